import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";

describe("a failure that is not the file's fault", () => {
  let p: TestPipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(() => p.stop());

  it("fails the execution at the step itself (so a redrive re-runs it) and alerts once through the status-change path", async () => {
    // The lake bucket disappears: extract cannot write bronze. Not a data error, so no Catch.
    await p.s3.send(new DeleteBucketCommand({ Bucket: LAKE }));
    const event = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
    const outcome = await p.runtime.execute(event);

    expect(outcome.status).toBe("FAILED");
    expect(outcome.error?.Error).not.toMatch(/ContractViolation|UnsupportedFormat/);
    const job = await readJob(jobIdFor(sourceFromEvent(event)));
    expect(job?.status).toBe("FAILED");
    expect(job?.error.step).toBe("extract");
    expect(job?.error.message.length).toBeGreaterThan(0);

    const alerts = await p.alerts();
    expect(alerts).toHaveLength(1);
    expect(String(alerts[0].Message.action)).toContain("redrive");
    expect(await p.keys(RAW, "incoming/")).toEqual(["incoming/sales.csv"]);
  });
});
