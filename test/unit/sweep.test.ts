import { describe, expect, it } from "vitest";
import { isStuck, stuckCutoff, stuckJobError, sweepEvent } from "../../core/job/sweep.ts";

describe("sweep", () => {
  it("waits the state machine's timeout plus a margin for the status-change event", () => {
    expect(sweepEvent(6 * 3600)).toEqual({ "detail-type": "Sweep Stuck Jobs", olderThanSeconds: 6 * 3600 + 900 });
    expect(stuckCutoff(new Date("2024-05-06T12:00:00Z"), 3600)).toBe("2024-05-06T11:00:00.000Z");
  });

  it("counts as stuck only a RUNNING job started and last touched before the cutoff", () => {
    const cutoff = "2024-05-06T06:00:00.000Z";
    const old = "2024-05-06T01:00:00.000Z";
    const recent = "2024-05-06T11:00:00.000Z";
    expect(isStuck({ status: "RUNNING", started_at: old, updated_at: old }, cutoff)).toBe(true);
    expect(isStuck({ status: "RUNNING", started_at: old, updated_at: recent }, cutoff)).toBe(false);
    expect(isStuck({ status: "RUNNING", started_at: recent, updated_at: recent }, cutoff)).toBe(false);
    expect(isStuck({ status: "FAILED", started_at: old, updated_at: old }, cutoff)).toBe(false);
    expect(isStuck({ status: "SUCCESS", started_at: old, updated_at: old }, cutoff)).toBe(false);
  });

  it("says where the job stopped, since when, and what to do", () => {
    const error = stuckJobError({ step: "clean", updated_at: "2024-05-06T01:00:00.000Z", execution_id: "arn:exec" }, 22500);
    expect(error).toMatchObject({ type: "ExecutionLost", step: "clean" });
    expect(error.message).toContain("RUNNING at clean 6.3 h");
    expect(error.message).toContain("arn:exec");
    expect(error.message).toContain("Redrive");
  });
});
