import { describe, expect, it } from "vitest";
import { TooManyPartitionsError } from "../../core/errors.ts";
import { partitionOf } from "../../core/lake/layout.ts";
import { cleanFixture, dataset } from "../helpers/cleanFixture.ts";
import { readdirSync } from "node:fs";

/** One reading per day from `start`, for `days` days. */
function daily(start: string, days: number): string {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  const lines = Array.from({ length: days }, (_, i) => `${new Date(t0 + i * 86_400_000).toISOString().slice(0, 10)},${i}`);
  return ["read_on,reading", ...lines].join("\n") + "\n";
}

const partitionDirs = (silverDir: string) =>
  (readdirSync(silverDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet")).map((f) => partitionOf(`silver/x/${f}`));

describe("bounded partitions", () => {
  it("fails early with TooManyPartitionsError naming the count and the coarser grain", async () => {
    const error = await cleanFixture("readings.csv", daily("2020-01-01", 1500), "csv", dataset({ eventTime: "read_on" })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TooManyPartitionsError);
    expect((error as Error).message).toContain("1500 day partitions, more than maxPartitions 1000");
    expect((error as Error).message).toContain('partition: "month"');
  });

  it("fails a 1900-2100 daily file (73,415 days) early and reads it by year in 202 partitions (1900 to 2101-01-01)", async () => {
    const wide = dataset({ eventTime: "read_on", eventTimeRange: { from: "1900-01-01", to: "2101-01-01" } });
    const file = daily("1900-01-01", 73_415);
    const started = Date.now();
    const error = await cleanFixture("century.csv", file, "csv", wide).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyPartitionsError);
    expect((error as Error).message).toContain("73415 day partitions");

    const yearly = await cleanFixture("century.csv", file, "csv", { ...wide, partition: "year" });
    try {
      expect(yearly.result.stats).toMatchObject({ inputRows: 73_415, silverRows: 73_415 });
      expect(new Set(partitionDirs(yearly.result.silverDir)).size).toBe(202);
    } finally {
      yearly.dispose();
    }
    // Measured on the shared 2-core machine: about 5 s for both; the old pipeline ran out of memory.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it("partitions by month or year when the dataset says so, paths staying year=/month=/day= prefixes", async () => {
    for (const [grain, count, sample] of [["month", 50, "year=2020/month=01"], ["year", 5, "year=2020"]] as const) {
      const run = await cleanFixture("readings.csv", daily("2020-01-01", 1500), "csv", dataset({ eventTime: "read_on", partition: grain }));
      try {
        const parts = new Set(partitionDirs(run.result.silverDir));
        expect(parts.size).toBe(count);
        expect(parts.has(sample)).toBe(true);
        expect(run.result.stats.silverRows).toBe(1500);
      } finally {
        run.dispose();
      }
    }
  });

  it("quarantines event times outside the dataset's range, by default 1970 to a year after the job", async () => {
    const text = ["read_on,reading", "1969-12-31,1", "1970-01-01,2", "2025-06-01,3", "2027-01-01,4", "2027-01-02,5", "2100-01-01,6"].join("\n") + "\n";
    // The test context's job runs on 2026-01-01.
    const run = await cleanFixture("readings.csv", text, "csv", dataset({ eventTime: "read_on", maxQuarantinedRatio: 1 }));
    try {
      expect((await run.silver("reading")).map((r) => Number(r.reading))).toEqual([2, 3, 4]);
      const q = await run.quarantine();
      expect(q.map((r) => [r._rule, r._value])).toEqual([
        ["event_time_range", "1969-12-31"],
        ["event_time_range", "2027-01-02"],
        ["event_time_range", "2100-01-01"],
      ]);
      expect(String(q[0]._reason)).toContain("outside the event-time range 1970-01-01 to 2027-01-01");
    } finally {
      run.dispose();
    }
    const wide = await cleanFixture("readings.csv", text, "csv", dataset({ eventTime: "read_on", eventTimeRange: { from: "1900-01-01", to: "2200-01-01" } }));
    try {
      expect(wide.result.stats.quarantinedRows).toBe(0);
    } finally {
      wide.dispose();
    }
  });

  it("reads the partition of a silver key at every grain", () => {
    expect(partitionOf("silver/s/year=2024/month=03/day=01/a_0.parquet")).toBe("year=2024/month=03/day=01");
    expect(partitionOf("silver/s/year=2024/month=03/a_0.parquet")).toBe("year=2024/month=03");
    expect(partitionOf("silver/s/year=2024/a_0.parquet")).toBe("year=2024");
    expect(partitionOf("silver/s/a_0.parquet")).toBeUndefined();
  });
});
