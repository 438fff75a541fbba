import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { leaveJobRunning } from "../helpers/stuckJob.ts";
import { sweepEvent } from "../../core/job/sweep.ts";

describe("the scheduled sweep of jobs stuck RUNNING", () => {
  let p: TestPipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(() => p.stop());

  it("marks FAILED, with one alert, only the jobs RUNNING past the state machine's timeout", async () => {
    const { getServices } = await import("../../functions/services.ts");
    const { handler } = await import("../../functions/sweep.ts");
    const { jobs } = getServices();
    const stuck = await leaveJobRunning(jobs, "incoming/stuck.csv", 7);
    const recent = await leaveJobRunning(jobs, "incoming/recent.csv", 1);
    const done = await p.runtime.execute(await p.runtime.upload("samples/sales.csv", "incoming/sales.csv"));
    expect(done.status).toBe("SUCCEEDED");
    await p.alerts();

    const first = await handler(sweepEvent(6 * 3600));

    expect(first.swept).toEqual([stuck]);
    const job = await readJob(stuck);
    expect(job).toMatchObject({ status: "FAILED", error: { type: "ExecutionLost", step: "extract" } });
    expect(job?.error.message).toContain("past the state machine's timeout");
    expect(job?.alerted_at).toBeDefined();
    expect((await readJob(recent))?.status).toBe("RUNNING");
    const alerts = await p.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].Message).toMatchObject({ status: "FAILED", jobId: stuck, errorType: "ExecutionLost" });

    // A second sweep finds nothing left to do and alerts no one again.
    expect((await handler(sweepEvent(6 * 3600))).swept).toEqual([]);
    expect(await p.alerts()).toEqual([]);
  });

  it("leaves a redriven job alone: started long ago but moving again", async () => {
    const { getServices } = await import("../../functions/services.ts");
    const { handler } = await import("../../functions/sweep.ts");
    const { jobs } = getServices();
    const redriven = await leaveJobRunning(jobs, "incoming/redriven.csv", 7);
    await jobs.enterStep(redriven, "clean");

    expect((await handler(sweepEvent(6 * 3600))).swept).toEqual([]);
    expect((await readJob(redriven))?.status).toBe("RUNNING");
  });
});
