import { describe, expect, it } from "vitest";
import { nextPartition, partitionRuns } from "../../core/lake/partitionRuns.ts";

describe("nextPartition", () => {
  it("steps a day, a month or a year over month, year and leap-day ends", () => {
    expect(nextPartition("year=2024/month=01/day=05")).toBe("year=2024/month=01/day=06");
    expect(nextPartition("year=2024/month=02/day=28")).toBe("year=2024/month=02/day=29");
    expect(nextPartition("year=2023/month=02/day=28")).toBe("year=2023/month=03/day=01");
    expect(nextPartition("year=2024/month=12/day=31")).toBe("year=2025/month=01/day=01");
    expect(nextPartition("year=2024/month=12")).toBe("year=2025/month=01");
    expect(nextPartition("year=2024")).toBe("year=2025");
  });

  it("has no neighbour for what is not a partition", () => {
    expect(nextPartition("year=2024/month=1")).toBeUndefined();
    expect(nextPartition("year=2024/month=01/day=05/x")).toBeUndefined();
    expect(nextPartition("region=eu")).toBeUndefined();
  });
});

describe("partitionRuns", () => {
  it("joins calendar neighbours of one grain, in key order, each partition once", () => {
    const runs = partitionRuns([
      "year=2024/month=02/day=01",
      "year=2024/month=01/day=30",
      "year=2024/month=01/day=31",
      "year=2024/month=03/day=05",
      "year=2024/month=01",
      "year=2024/month=02",
      "year=2024",
      "year=2024/month=01/day=31",
    ]);
    expect(runs).toEqual([
      ["year=2024"],
      ["year=2024/month=01", "year=2024/month=02"],
      ["year=2024/month=01/day=30", "year=2024/month=01/day=31", "year=2024/month=02/day=01"],
      ["year=2024/month=03/day=05"],
    ]);
  });

  it("keeps a gap or a stranger apart", () => {
    expect(partitionRuns(["year=2024/month=01/day=01", "year=2024/month=01/day=03", "odd"])).toEqual([
      ["odd"],
      ["year=2024/month=01/day=01"],
      ["year=2024/month=01/day=03"],
    ]);
  });
});
