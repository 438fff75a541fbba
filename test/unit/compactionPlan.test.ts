import { describe, expect, it } from "vitest";
import { isCompacted, jobsToDrop, needsCompaction } from "../../core/compact/compactionPlan.ts";

const day = "silver/sales/year=2024/month=03/day=05";

describe("compaction plan", () => {
  it("compacts automatically only past maxFiles Parquet files, on demand as soon as there are two", () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `${day}/f${i}-job-${i}.parquet`);
    expect(needsCompaction(keys(32), 32)).toBe(false);
    expect(needsCompaction([...keys(32), `${day}/_SUCCESS`], 32)).toBe(false);
    expect(needsCompaction(keys(33), 32)).toBe(true);
    expect(needsCompaction([`${day}/compacted-g1-0.parquet`], "any")).toBe(false);
    expect(needsCompaction([`${day}/compacted-g1-0.parquet`, `${day}/a-job-1.parquet`], "any")).toBe(true);
  });

  it("tells compacted files from a source's own", () => {
    expect(isCompacted(`${day}/compacted-g3-1.parquet`)).toBe(true);
    expect(isCompacted(`${day}/compacted_sales-job-1.parquet`)).toBe(false);
  });

  it("drops the jobs asked for and those whose key's committed version is another job's, never a key without a record", () => {
    const held = [
      { jobId: "job-a1", sourceKey: "incoming/a.csv" },
      { jobId: "job-b1", sourceKey: "incoming/b.csv" },
      { jobId: "job-c1", sourceKey: "incoming/c.csv" },
      { jobId: "job-d1", sourceKey: "incoming/d.csv" },
    ];
    const committed = new Map([
      ["incoming/a.csv", "job-a1"],
      ["incoming/b.csv", "job-b2"],
      ["incoming/c.csv", undefined],
    ]);
    expect([...jobsToDrop(held, ["job-d1"], committed)].sort()).toEqual(["job-b1", "job-d1"]);
  });
});
