/**
 * `etl run --concurrency` on files of one dataset whose inferred `code` column disagrees: every
 * job succeeds, every silver file ends with one type for `code`, and both `etl query` and a plain
 * DuckDB reader (no union_by_name) read the whole dataset.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it, vi } from "vitest";
import { etl } from "./etl.ts";

vi.setConfig({ testTimeout: 180_000 });

const tmp = mkdtempSync(join(tmpdir(), "etl-widening-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILES = {
  "parts-a.csv": "part,code,qty,made\np1,1,2,2024-03-01\np2,2,3,2024-03-02\n",
  "parts-b.csv": "part,code,qty,made\np3,B8,5,2024-03-01\np4,C9,4,2024-03-03\n",
  "parts-c.csv": "part,code,qty,made\np5,7,1,2024-03-02\np6,8,1,2024-03-04\n",
};

async function duck(sql: string) {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe("etl run --concurrency with a widening", () => {
  it("leaves one physical type per column in every silver file, read by etl query and by a plain reader", async () => {
    const config = join(tmp, "etl.config.ts");
    writeFileSync(
      config,
      `import { defineConfig } from ${JSON.stringify(resolve("core/config/defineConfig.ts"))};
export default defineConfig({
  datasets: [{ name: "parts", match: ["parts*.csv"], columns: { qty: { type: "integer" }, made: { type: "date", required: true } }, eventTime: "made" }],
  gold: [{ name: "parts_daily", dataset: "parts", groupBy: [], metrics: [{ name: "units", fn: "sum", column: "qty" }] }],
});
`,
    );
    const files = Object.entries(FILES).map(([name, text]) => {
      writeFileSync(join(tmp, name), text);
      return join(tmp, name);
    });
    const state = join(tmp, "state");
    const run = etl(["run", ...files, "--concurrency", "3", "--config", config, "--state-dir", state, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.map((j) => j.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);

    const silver = join(state, "lake", "etl-lake", "silver", "parts");
    const paths = (readdirSync(silver, { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet")).map((f) => join(silver, f));
    const list = `[${paths.map((f) => `'${f}'`).join(", ")}]`;
    const types = await duck(`SELECT DISTINCT type FROM parquet_schema(${list}) WHERE name = 'code'`);
    expect(types).toEqual([{ type: "BYTE_ARRAY" }]);
    const plain = await duck(`SELECT part, code FROM read_parquet(${list}, hive_partitioning = false) ORDER BY part`);
    expect(plain.map((r) => r.code)).toEqual(["1", "2", "B8", "C9", "7", "8"]);

    const query = etl(["query", "SELECT code, typeof(code) AS t FROM silver_parts ORDER BY part", "--json", "--state-dir", state]);
    expect(query.code, query.stderr).toBe(0);
    expect(query.json.flat().map((r: { code: string; t: string }) => [r.code, r.t])).toEqual(
      ["1", "2", "B8", "C9", "7", "8"].map((c) => [c, "VARCHAR"]),
    );
    const gold = await duck(
      `SELECT day, units FROM read_parquet('${join(state, "lake", "etl-lake", "gold", "parts_daily")}/**/*.parquet', hive_partitioning = true) ORDER BY day`,
    );
    expect(gold.map((g) => [String(g.day), Number(g.units)])).toEqual([["01", 7], ["02", 4], ["03", 4], ["04", 1]]);
  });
});
