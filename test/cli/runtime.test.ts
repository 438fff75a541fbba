import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobResult } from "../../local/jobResult.ts";
import { RedriveRefusedError } from "../../local/runtime.ts";
import { readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

// The runtime API the CLI drives, in one process with in-memory emulators and journals.
let p: TestPipeline;
beforeAll(async () => {
  // Each execution's first aggregate throws a plain Error: the execution fails at the step.
  p = await startPipeline({ faults: "throw:aggregate:Error:1" });
});
afterAll(() => p.stop());

describe("LocalRuntime", () => {
  it("runs executions concurrently, each failing at its own step, and redrives each to SUCCESS", async () => {
    const events = await Promise.all([
      p.runtime.upload("samples/sales.csv", "incoming/sales-a.csv"),
      p.runtime.upload("test/fixtures/sales-corrected.csv", "incoming/sales-b.csv", "sales"),
    ]);
    const outcomes = await Promise.all(events.map((e) => p.runtime.execute(e)));
    expect(outcomes.map((o) => o.status)).toEqual(["FAILED", "FAILED"]);
    expect(new Set(outcomes.map((o) => o.executionArn)).size).toBe(2);
    const failed = await Promise.all(events.map((e, i) => jobResult(e, outcomes[i])));
    for (const r of failed) expect(await readJob(r.jobId)).toMatchObject({ status: "FAILED", attempts: 1 });

    const redriven = await Promise.all(failed.map((r) => p.runtime.redrive(r.jobId)));
    for (const [i, { event, outcome }] of redriven.entries()) {
      expect(outcome.executionArn).toBe(outcomes[i].executionArn);
      const result = await jobResult(event, outcome);
      expect(result.status).toBe("SUCCESS");
      expect(await readJob(result.jobId)).toMatchObject({ status: "SUCCESS", attempts: 2 });
    }
    await expect(p.runtime.redrive(failed[0].jobId)).rejects.toThrow(RedriveRefusedError);
  });

  it("gives every upload its own sequencer, of one width so text order is upload order, also when uploads run at once", async () => {
    const events = await Promise.all(Array.from({ length: 5 }, (_, i) => p.runtime.upload("samples/sales.csv", `incoming/seq-${i}.csv`)));
    const sequencers = events.map((e) => e.detail.object.sequencer!);
    expect(new Set(sequencers).size).toBe(5);
    expect(new Set(sequencers.map((s) => s.length))).toEqual(new Set([18]));
    const later = await p.runtime.upload("samples/sales.csv", "incoming/seq-later.csv");
    for (const s of sequencers) expect(later.detail.object.sequencer! > s).toBe(true);
  });
});
