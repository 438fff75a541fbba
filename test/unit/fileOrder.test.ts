import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterAll, describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { cleanFile } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";

const dir = mkdtempSync(join(tmpdir(), "etl-order-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cleanFile on a file larger than one DuckDB row group, with two threads", () => {
  it("keeps the first occurrence in file order and cites quarantined rows by their line", async () => {
    // 300,000 rows: key k appears at rows k and k + 150,000; row 250,001 has a bad value.
    const lines = ["key,value"];
    for (let i = 1; i <= 300_000; i++) lines.push(`${i % 150_000},${i === 250_001 ? "oops" : i}`);
    const path = join(dir, "big.csv");
    writeFileSync(path, `${lines.join("\n")}\n`);
    const engine = await Engine.open({ scratchDir: join(dir, "scratch"), threads: 2 });
    try {
      const result = await cleanFile(engine, {
        path,
        format: "csv",
        dataset: v.parse(DatasetSchema, { name: "d", match: ["*"], columns: { value: { type: "integer" } }, dedupKeys: ["key"] }),
        outDir: join(dir, "out"),
        ctx: silverContext("big.csv"),
      });
      const [kept] = await engine.rows<{ n: bigint; lo: bigint; hi: bigint }>(
        `SELECT count(*) AS n, min(value) AS lo, max(value) AS hi FROM read_parquet('${result.silverDir}/**/*.parquet', hive_partitioning = false)`,
      );
      const quarantined = await engine.rows<{ _row_number: bigint }>(`SELECT _row_number FROM read_parquet('${result.quarantineFile}')`);

      expect([Number(kept.n), Number(kept.lo), Number(kept.hi)]).toEqual([150_000, 1, 150_000]);
      expect(quarantined.map((q) => Number(q._row_number))).toEqual([250_001]);
      expect(result.stats).toMatchObject({ inputRows: 300_000, silverRows: 150_000, duplicateRows: 149_999, quarantinedRows: 1 });
    } finally {
      engine.close();
    }
  });
});
