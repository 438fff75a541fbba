import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etl } from "./etl.ts";

const FILES = 200;
const PRODUCTS = ["widget", "gadget", "gizmo", "doohickey"];

/** 200 small sales files over 20 days of March 2024, order ids unique across files. */
function writeFiles(folder: string): void {
  mkdirSync(folder, { recursive: true });
  for (let f = 0; f < FILES; f++) {
    const rows = Array.from({ length: 5 }, (_, r) => {
      const id = f * 10 + r;
      const day = String(1 + ((f + r) % 20)).padStart(2, "0");
      return `${id},customer ${id % 37},${PRODUCTS[id % 4]},${1 + (id % 9)},${(1 + (id % 13) * 0.25).toFixed(2)},2024-03-${day}`;
    });
    writeFileSync(join(folder, `sales_${String(f).padStart(3, "0")}.csv`), `order_id,customer_name,product,quantity,unit_price,order_date\n${rows.join("\n")}\n`);
  }
}

/** DuckDB on its own: the daily summary straight from the CSVs, and gold and silver as the lake holds them. */
async function compare(folder: string, stateDir: string) {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJS();
  const lake = join(stateDir, "lake", "etl-lake");
  const expected = await rows(
    `SELECT order_date::DATE AS day, count(*) AS orders, sum(quantity)::BIGINT AS units, round(sum(quantity * unit_price), 6) AS revenue
     FROM read_csv('${folder}/*.csv', header = true) GROUP BY ALL ORDER BY day`,
  );
  const gold = await rows(
    `SELECT make_date(year::INT, month::INT, day::INT) AS day, orders, units::BIGINT AS units, round(revenue::DOUBLE, 6) AS revenue
     FROM read_parquet('${lake}/gold/daily_sales_summary/**/*.parquet', hive_partitioning = true) ORDER BY day`,
  );
  const [silver] = await rows(`SELECT count(*) AS n, count(DISTINCT order_id) AS ids FROM read_parquet('${lake}/silver/sales/**/*.parquet')`);
  c.closeSync();
  db.closeSync();
  return { expected, gold, silver };
}

describe("etl backfill over a folder of 200 files", () => {
  let dir: string;
  let folder: string;
  let state: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "etl-backfill-cli-"));
    folder = join(dir, "history");
    state = join(dir, "state");
    writeFiles(folder);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ends with 200 SUCCESS jobs and gold equal to DuckDB's own daily summary of the CSVs; a rerun doubles nothing", async () => {
    const first = etl(["backfill", folder, "--prefix", "sales/history/", "--concurrency", "4", "--state-dir", state, "--json"]);

    expect(first.json.filter((j) => j.status !== "SUCCESS").map((j) => [j.source.key, j.error])).toEqual([]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toHaveLength(FILES);
    expect(first.json.filter((j) => j.status === "SUCCESS")).toHaveLength(FILES);
    expect(first.stderr).toContain(`backfill: ${FILES} done, 0 failed`);
    expect(first.stderr).toContain(`backfill incoming/sales/history/: ${FILES} items, ${FILES} succeeded, 0 failed (0.0%; up to 10% is tolerated): the map run SUCCEEDED`);
    const once = await compare(folder, state);
    expect(once.expected).toHaveLength(20);
    expect(once.gold).toEqual(once.expected);
    expect(once.silver).toEqual({ n: BigInt(FILES * 5), ids: BigInt(FILES * 5) });

    // Every upload was processed and archived: the prefix alone has nothing left.
    const empty = etl(["backfill", "sales/history/", "--state-dir", state, "--json"]);
    expect(empty.code).toBe(0);
    expect(empty.json).toEqual([]);
    expect(empty.stderr).toMatch(/0 items/);

    // Twenty of the files again: new versions of the same keys, which replace their own rows.
    const some = join(dir, "again");
    mkdirSync(some);
    for (const name of readdirSync(folder).slice(0, 20)) copyFileSync(join(folder, name), join(some, name));
    // At once: replacements of keys sharing a day retire silver files other jobs' aggregates may be reading.
    const again = etl(["backfill", some, "--prefix", "sales/history/", "--concurrency", "4", "--state-dir", state, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.filter((j) => j.status === "SUCCESS")).toHaveLength(20);
    expect(await compare(folder, state)).toEqual(once);
  }, 1_800_000);
});
