import { afterEach, describe, expect, it } from "vitest";
import { defineConfig } from "../../core/config/defineConfig.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { functionPermissions } from "../../stacks/policies.ts";
import { localResourceArns } from "../../local/iam/principals.ts";
import projectConfig from "../../etl.config.ts";
import { readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.stop();
  p = undefined;
});

async function runOnce(options: Parameters<typeof startPipeline>[0]) {
  p = await startPipeline(options);
  const event = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
  const outcome = await p.runtime.execute(event);
  return { outcome, jobId: jobIdFor(sourceFromEvent(event)), alerts: await p.alerts() };
}

describe("alerts a person can act on (read from the SQS inbox subscribed to the topic)", () => {
  it("a step failure names job, dataset, file, step, error, console link and the redrive commands, with status and dataset attributes", async () => {
    const { jobId, alerts } = await runOnce({ faults: "throw:aggregate:Error" });
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.Subject).toBe("ETL FAILED sales at aggregate: Error");
    expect(alert.Attributes).toEqual({ status: "FAILED", dataset: "sales" });
    expect(alert.Message).toMatchObject({
      status: "FAILED",
      jobId,
      dataset: "sales",
      file: "s3://etl-raw/incoming/sales.csv",
      step: "aggregate",
      errorType: "Error",
      redrivable: true,
      commands: [`etl redrive ${jobId}`, expect.stringMatching(/^aws stepfunctions redrive-execution --execution-arn arn:aws:states:/)],
    });
    expect(String(alert.Message.message)).toContain("injected by ETL_FAULT");
    expect(String(alert.Message.consoleLink)).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/.*#\/v2\/executions\/details\/arn:aws:states:/);
  });

  it("a file that cannot pass says so and gives the re-upload commands, not a redrive", async () => {
    const { alerts } = await runOnce({ faults: "throw:clean:ContractViolationError" });
    expect(alerts).toHaveLength(1);
    expect(alerts[0].Message).toMatchObject({
      redrivable: false,
      // Failed past extract: the file has a bronze copy, so a contract fixed in the config is applied by a replay.
      commands: ["etl run <fixed file> --key incoming/sales.csv", "aws s3 cp <fixed file> s3://etl-raw/incoming/sales.csv", `etl replay ${alerts[0].Message.jobId}`],
    });
    expect(String(alerts[0].Message.action)).toContain("upload it again");
    expect(String(alerts[0].Message.action)).toContain("fix it and replay the same file");
  });

  it("from a deployed stage (ETL_STAGE, which stacks/ sets), the etl commands name the stage and a corrected file goes in by etl upload", async () => {
    const step = await runOnce({ faults: "throw:aggregate:Error", stage: "prod" });
    expect(step.alerts[0].Message.commands).toEqual([`etl redrive ${step.jobId} --stage prod`, expect.stringMatching(/^aws stepfunctions redrive-execution /)]);
    await p!.stop();
    const file = await runOnce({ faults: "throw:clean:ContractViolationError", stage: "prod" });
    expect(file.alerts[0].Message.commands).toEqual([
      "etl upload <fixed file> --key incoming/sales.csv --stage prod",
      "aws s3 cp <fixed file> s3://etl-raw/incoming/sales.csv",
      `etl replay ${file.jobId} --stage prod`,
    ]);
    expect(String(file.alerts[0].Message.action)).toContain(`etl replay ${file.jobId} --stage prod`);
  });

  it("a shell's ETL_STAGE does not make a local run's alerts point at a deployed stage", async () => {
    process.env.ETL_STAGE = "prod";
    try {
      const { jobId, alerts } = await runOnce({ faults: "throw:aggregate:Error" });
      expect(alerts[0].Message.commands).toEqual([`etl redrive ${jobId}`, expect.stringMatching(/^aws stepfunctions redrive-execution /)]);
    } finally {
      delete process.env.ETL_STAGE;
    }
  });

  it("a success summary carries status and dataset attributes; alerts.success none sends none", async () => {
    const { alerts } = await runOnce({});
    expect(alerts.map((a) => a.Attributes)).toEqual([{ status: "SUCCESS", dataset: "sales" }]);
    await p!.stop();
    p = undefined;
    const quiet = defineConfig({ ...projectConfig, alerts: { success: "none" } } as Parameters<typeof defineConfig>[0]);
    const again = await runOnce({ config: quiet });
    expect(again.outcome.status).toBe("SUCCEEDED");
    expect(again.alerts).toEqual([]);
  });

  it("a notification that cannot be sent never fails the job", async () => {
    const grants = functionPermissions(localResourceArns());
    const noPublish = { ...grants, notify: grants.notify.filter((g) => !g.actions.some((a) => a.startsWith("sns:"))) };
    const { outcome, jobId, alerts } = await runOnce({ iam: { permissions: noPublish } });
    expect(outcome.status).toBe("SUCCEEDED");
    expect((await readJob(jobId))?.status).toBe("SUCCESS");
    expect(alerts).toEqual([]);
  });
});
