import { describe, expect, it } from "vitest";
import { remedy } from "../../core/job/remedy.ts";

describe("the remedy of a terminal data error", () => {
  const job = { jobId: "job-1", sourceKey: "incoming/sales.csv" };

  it("on a stage: upload a corrected file, or replay the same one after a contract fix, both on the stage", () => {
    const fix = remedy(job, "clean", true, " --stage dev", "upload");
    expect(fix.command).toBe("etl upload <fixed file> --key incoming/sales.csv --stage dev");
    expect(fix.replay).toBe("etl replay job-1 --stage dev");
    expect(fix.action).toContain("replay the same file: etl replay job-1 --stage dev.");
  });

  it("at extract there is no bronze copy to replay, locally or on a stage", () => {
    expect(remedy(job, "extract", true, " --stage dev", "upload").replay).toBeUndefined();
    expect(remedy(job, "extract", true).replay).toBeUndefined();
  });
});
