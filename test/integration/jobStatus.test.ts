import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServices } from "../../functions/services.ts";
import { readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

const DAY = 86400;
const ref = (jobId: string) => ({
  jobId,
  dataset: "sales",
  source: { bucket: "etl-raw", key: `incoming/${jobId}.csv` },
  sourceId: jobId,
  startedAt: new Date().toISOString(),
});
const error = { type: "TransientError", message: "throttled", step: "clean" };

describe("job statuses", () => {
  let p: TestPipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(() => p.stop());
  const daysLeft = (job: Record<string, any> | undefined) => (job?.expires_at - Date.now() / 1000) / DAY;

  it("gives a running job no TTL, and a finished one its TTL from the end", async () => {
    const { jobs } = getServices();
    await jobs.start({ ref: ref("job-a"), executionId: "exec-a" });
    expect((await readJob("job-a"))?.expires_at).toBeUndefined();

    expect(await jobs.finish("job-a", "SUCCESS")).toBe(true);
    expect(daysLeft(await readJob("job-a"))).toBeCloseTo(90, 1);
  });

  it("keeps SUCCESS and SUPERSEDED final: no step, failure or other end changes them", async () => {
    const { jobs } = getServices();
    await jobs.enterStep("job-a", "notify");
    expect(await jobs.fail("job-a", error)).toBe(false);
    expect(await jobs.finish("job-a", "SUPERSEDED")).toBe(false);
    expect((await readJob("job-a"))?.status).toBe("SUCCESS");
  });

  it("returns a FAILED job to RUNNING only by entering a step again (a redrive), dropping its 30-day TTL", async () => {
    const { jobs } = getServices();
    await jobs.start({ ref: ref("job-b"), executionId: "exec-b" });
    expect(await jobs.fail("job-b", error)).toBe(true);
    expect(daysLeft(await readJob("job-b"))).toBeCloseTo(30, 1);
    expect(await jobs.finish("job-b", "SUCCESS")).toBe(false);

    await jobs.enterStep("job-b", "clean");
    const redriven = await readJob("job-b");
    expect(redriven).toMatchObject({ status: "RUNNING", attempts: 2 });
    expect(redriven?.expires_at).toBeUndefined();
    expect(await jobs.finish("job-b", "SUPERSEDED")).toBe(true);
    expect((await readJob("job-b"))?.status).toBe("SUPERSEDED");
  });
});
