import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveStage } from "../../cli/stage/stageOutputs.ts";

const dir = mkdtempSync(join(tmpdir(), "etl-outputs-"));
const outputs = join(dir, "outputs.json");
writeFileSync(outputs, JSON.stringify({ stage: "dev", region: "eu-west-1", rawBucket: "raw-from-outputs", jobsTable: "jobs-from-outputs" }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a stage's names", () => {
  it("come from a flag, then the environment, then that stage's outputs file", () => {
    const { names } = resolveStage({ stage: "dev", outputs, rawBucket: "raw-flag" }, { ETL_JOBS_TABLE: "jobs-env", AWS_REGION: "us-east-1" });
    expect(names).toMatchObject({ rawBucket: "raw-flag", jobsTable: "jobs-env" });
    // The stage's region is its outputs', whatever the shell's default region is.
    expect(names.region).toBe("eu-west-1");
    expect(resolveStage({ stage: "dev", outputs }, { ETL_JOBS_TABLE: "" }).names.jobsTable).toBe("jobs-from-outputs");
  });

  it("never take another stage's outputs, and say how to give a missing name", () => {
    const prod = resolveStage({ stage: "prod", outputs }, {});
    expect(prod.names.rawBucket).toBeUndefined();
    expect(() => prod.need("rawBucket")).toThrow(`${outputs} is stage dev's, not prod's: deploy it (npx sst deploy --stage prod) or give --outputs; or give --raw-bucket (or ETL_RAW_BUCKET)`);
    expect(() => resolveStage({ stage: "dev", outputs }, {}).need("stateMachine")).toThrow(`${outputs} has no stateMachine: deploy again (npx sst deploy --stage dev); or give --state-machine (or ETL_STATE_MACHINE_ARN)`);
  });

  it("refuses an outputs file that is not JSON, exit 2", () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{");
    expect(() => resolveStage({ stage: "dev", outputs: broken }, {})).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining("is not JSON") }));
  });
});
