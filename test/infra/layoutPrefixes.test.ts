import { describe, expect, it } from "vitest";
import { archivedKey, lake, LAKE_PREFIXES, RAW_PREFIXES } from "../../core/lake/layout.ts";

describe("LAKE_PREFIXES", () => {
  it("covers every key core/lake/layout.ts writes, each under the prefix its grants name", () => {
    expect(lake.bronze("sales", "job-1", "incoming/sales/a.csv")).toMatch(new RegExp(`^${LAKE_PREFIXES.bronze}`));
    expect(lake.silverPrefix("sales")).toMatch(new RegExp(`^${LAKE_PREFIXES.silver}`));
    expect(lake.silver("sales", "year=2024/month=05/day=06", "job-1", "a_0.parquet")).toMatch(new RegExp(`^${LAKE_PREFIXES.silver}`));
    expect(lake.quarantine("sales", "src-1", "job-1")).toMatch(new RegExp(`^${LAKE_PREFIXES.quarantine}`));
    expect(lake.staged("job-1", "gold/daily/x/part.parquet")).toMatch(new RegExp(`^${LAKE_PREFIXES.staging}`));
    expect(lake.stagingPrefix("job-1")).toMatch(new RegExp(`^${LAKE_PREFIXES.staging}`));
    expect(lake.gold("daily", "year=2024/month=05/day=06")).toMatch(new RegExp(`^${LAKE_PREFIXES.gold}`));
    expect(lake.sourceManifest("sales", "src-1", "job-1")).toMatch(new RegExp(`^${LAKE_PREFIXES.sourceManifests}`));
    expect(lake.jobManifest("job-1", "clean")).toMatch(new RegExp(`^${LAKE_PREFIXES.jobManifests}`));
    expect(lake.compacted("sales", "year=2024/month=05/day=06", 2, 0)).toMatch(new RegExp(`^${LAKE_PREFIXES.silver}`));
    expect(lake.compactionManifest("sales", "year=2024/month=05/day=06", 2, "w1")).toMatch(new RegExp(`^${LAKE_PREFIXES.sourceManifests}`));
    expect(Object.keys(lake)).toHaveLength(11);
  });

  it("keeps staged gold outside gold/, so no published table ever covers it", () => {
    expect(LAKE_PREFIXES.staging.startsWith(LAKE_PREFIXES.gold)).toBe(false);
  });
});

describe("RAW_PREFIXES", () => {
  it("is where archive moves uploads from and to", () => {
    expect(archivedKey(`${RAW_PREFIXES.incoming}sales/a.csv`)).toBe(`${RAW_PREFIXES.archived}sales/a.csv`);
  });
});
