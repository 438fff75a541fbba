import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../../core/engine/engine.ts";
import { engineLimits, functionMemoryMb } from "../../core/engine/engineLimits.ts";

describe("functionMemoryMb", () => {
  it("takes etl run --memory (ETL_MEMORY_MB) over Lambda's size, and nothing when neither is set", () => {
    expect(functionMemoryMb({ ETL_MEMORY_MB: "1024", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "3008" })).toBe(1024);
    expect(functionMemoryMb({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "3008" })).toBe(3008);
    expect(functionMemoryMb({ ETL_MEMORY_MB: "" })).toBeUndefined();
    expect(functionMemoryMb({})).toBeUndefined();
  });

  it.each(["1GB", "1.5", "-1", "100"])("rejects %s with the variable's name", (value) => {
    expect(() => functionMemoryMb({ ETL_MEMORY_MB: value })).toThrow(/ETL_MEMORY_MB must be a whole number of MB/);
  });
});

describe("engineLimits", () => {
  it("gives a local run without a size every core and DuckDB's own memory limit", () => {
    expect(engineLimits(undefined, 8)).toEqual({ threads: 8 });
  });

  it("gives the threads Lambda's CPU share pays for, within the cores there are", () => {
    expect(engineLimits(1024, 2).threads).toBe(1);
    expect(engineLimits(3008, 2).threads).toBe(2);
    expect(engineLimits(10240, 2).threads).toBe(2);
    expect(engineLimits(10240, 8).threads).toBe(6);
  });

  it("keeps DuckDB's limit well under the function's size, leaving room for Node", () => {
    for (const mb of [512, 1024, 3008, 10240]) {
      const { memoryLimitMb } = engineLimits(mb, 2);
      expect(memoryLimitMb).toBeLessThanOrEqual(mb - 256);
      expect(memoryLimitMb).toBeGreaterThanOrEqual(128);
    }
    expect(engineLimits(1024, 2).memoryLimitMb).toBe(307);
  });
});

describe("Engine.open with limits", () => {
  const dir = mkdtempSync(join(tmpdir(), "etl-engine-limits-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("applies threads and memory limit, and spills to the scratch directory", async () => {
    const engine = await Engine.open({ scratchDir: dir, ...engineLimits(1024, 2) });
    try {
      const [s] = await engine.rows<Record<string, string | bigint>>(
        "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS mem, current_setting('temp_directory') AS tmp",
      );
      expect(Number(s.threads)).toBe(1);
      // DuckDB reports the limit in its own units (307 MB = 292.7 MiB).
      expect(s.mem).toMatch(/^29\d\.\d MiB$/);
      expect(s.tmp).toBe(join(dir, "duckdb"));
      // A sort larger than the limit completes by spilling instead of failing.
      await engine.run("SET memory_limit = '64MB'");
      const [{ n }] = await engine.rows<{ n: bigint }>(
        "SELECT count(*) AS n FROM (SELECT md5(CAST(i AS VARCHAR)) AS h FROM range(3000000) t(i) ORDER BY h)",
      );
      expect(n).toBe(3_000_000n);
    } finally {
      engine.close();
    }
  });
});
