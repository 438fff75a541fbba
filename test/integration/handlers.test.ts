import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { handler as extract } from "../../functions/extract.ts";
import { handler as clean } from "../../functions/clean.ts";
import { handler as aggregate } from "../../functions/aggregate.ts";
import { handler as load } from "../../functions/load.ts";
import { handler as archive } from "../../functions/archive.ts";
import { handler as notify } from "../../functions/notify.ts";
import { handler as fail } from "../../functions/fail.ts";
import type { ObjectCreatedEvent } from "../../core/events/objectCreated.ts";

const EXECUTION = "arn:aws:states:us-east-1:000000000000:execution:etl-pipeline:handlers-test";

describe("each step's handler against the emulators", () => {
  let p: TestPipeline;
  let event: ObjectCreatedEvent;
  let state: Record<string, any>;

  beforeAll(async () => {
    p = await startPipeline();
    event = await p.runtime.upload("samples/sales.csv", "incoming/sales/with space+plus%.csv");
    state = { ...event };
  });
  afterAll(() => p.stop());

  it("extract records the job RUNNING, copies the upload byte for byte to bronze and sniffs it", async () => {
    state.extract = await extract({ event, executionId: EXECUTION, startedAt: "2026-01-02T03:04:05.000Z" });

    expect(state.extract).toMatchObject({ skipped: false, format: "csv", compression: "none" });
    expect(state.extract.job.source.key).toBe("incoming/sales/with space+plus%.csv");
    const job = await readJob(state.extract.job.jobId);
    expect(job).toMatchObject({ status: "RUNNING", step: "extract", execution_id: EXECUTION, dataset: "sales" });
    const bronze = await p.s3.send(new GetObjectCommand({ Bucket: LAKE, Key: state.extract.bronze.key }));
    expect(Buffer.from(await bronze.Body!.transformToByteArray())).toEqual(readFileSync("samples/sales.csv"));
  });

  it("extract reports another execution of the same delivery as a duplicate, and resumes its own", async () => {
    const other = await extract({ event, executionId: `${EXECUTION}-2`, startedAt: "2026-01-02T03:04:06.000Z" });
    expect(other.skipped).toBe(true);
    const again = await extract({ event, executionId: EXECUTION, startedAt: "2026-01-02T03:04:05.000Z" });
    expect(again.skipped).toBe(false);
    expect((await readJob(state.extract.job.jobId))?.execution_id).toBe(EXECUTION);
  });

  it("clean writes the same silver keys when it runs twice, and records stats and columns", async () => {
    state.clean = await clean(state);
    const first = await p.keys(LAKE, "silver/");
    state.clean = await clean(state);

    expect(await p.keys(LAKE, "silver/")).toEqual(first);
    expect(first).toHaveLength(3);
    const job = await readJob(state.extract.job.jobId);
    expect(job?.stats).toMatchObject({ inputRows: 16, silverRows: 12 });
    expect(job?.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toContain("order_date:DATE");
  });

  it("a failed step redriven after the cause is fixed sets the job RUNNING again, counts the attempt and ends SUCCESS", async () => {
    // A step fails for a reason outside the file: the manifest it reads has gone missing.
    const manifest = { Bucket: LAKE, Key: state.clean.manifest.key };
    const bytes = await (await p.s3.send(new GetObjectCommand(manifest))).Body!.transformToByteArray();
    await p.s3.send(new DeleteObjectCommand(manifest));
    await expect(aggregate(state)).rejects.toThrow(/Manifest .* is missing/);
    await fail({
      "detail-type": "Step Functions Execution Status Change",
      detail: { executionArn: EXECUTION, status: "FAILED", input: JSON.stringify(event), error: "Error", cause: "manifest missing" },
    });
    expect(await readJob(state.extract.job.jobId)).toMatchObject({ status: "FAILED", error: { step: "aggregate" } });
    await p.s3.send(new PutObjectCommand({ ...manifest, Body: bytes }));

    // The redrive runs the failed step again with the same input.
    state.aggregate = await aggregate(state);
    expect(await readJob(state.extract.job.jobId)).toMatchObject({ status: "RUNNING", step: "aggregate", attempts: 2 });
    state.load = await load(state);
    state.load = await load(state);
    state.archive = await archive(state);
    state.archive = await archive(state);
    state.notify = await notify(state);

    expect(await readJob(state.extract.job.jobId)).toMatchObject({ status: "SUCCESS", stats: { goldRows: 21 } });
    expect(await p.keys(LAKE, "gold/")).toHaveLength(7);
    expect(await p.keys(RAW, "archived/")).toEqual(["archived/sales/with space+plus%.csv"]);
    expect(await p.keys(RAW, "incoming/")).toEqual([]);
    const alerts = await p.alerts();
    expect(alerts.map((a) => a.Message.status)).toEqual(["FAILED", "SUCCESS"]);
  });

  it("the failure recorder alerts once for one failure, whichever path reports it first", async () => {
    const second = await p.runtime.upload("test/fixtures/sales-wrong-columns.csv", "incoming/sales/second.csv");
    const s: Record<string, any> = { ...second };
    s.extract = await extract({ event: second, executionId: `${EXECUTION}-b`, startedAt: "2026-01-03T00:00:00.000Z" });
    await expect(clean(s)).rejects.toMatchObject({ name: "ContractViolationError" });
    const caught = { ...s, error: { Error: "ContractViolationError", Cause: JSON.stringify({ errorType: "ContractViolationError", errorMessage: "second.csv lacks column(s)" }) } };

    expect(await fail(caught)).toMatchObject({ marked: true, alerted: true });
    expect(
      await fail({
        "detail-type": "Step Functions Execution Status Change",
        detail: { executionArn: `${EXECUTION}-b`, status: "FAILED", input: JSON.stringify(second), error: "ContractViolationError", cause: "{}" },
      }),
    ).toMatchObject({ marked: false, alerted: false });
    expect(await readJob(s.extract.job.jobId)).toMatchObject({
      status: "FAILED",
      error: { type: "ContractViolationError", step: "clean", message: "second.csv lacks column(s)" },
    });
    expect(await p.alerts()).toHaveLength(1);
  });

  it("notify leaves the job SUCCESS when the summary cannot be published", async () => {
    const third = await p.runtime.upload("test/fixtures/sales-corrected.csv", "incoming/sales/third.csv");
    const s: Record<string, any> = { ...third };
    s.extract = await extract({ event: third, executionId: `${EXECUTION}-c`, startedAt: "2026-01-04T00:00:00.000Z" });
    s.clean = await clean(s);
    s.aggregate = await aggregate(s);
    s.load = await load(s);
    const topic = process.env.ETL_ALERTS_TOPIC_ARN;
    const { getServices } = await import("../../functions/services.ts");
    const services = getServices();
    const alerts = services.alerts;
    const { Alerts } = await import("../../core/io/alerts.ts");
    const { SNSClient } = await import("@aws-sdk/client-sns");
    services.alerts = new Alerts(new SNSClient({}), `${topic}-missing`);
    try {
      expect(await notify(s)).toMatchObject({ status: "SUCCESS" });
    } finally {
      services.alerts = alerts;
    }
    expect((await readJob(s.extract.job.jobId))?.status).toBe("SUCCESS");
  });
});
