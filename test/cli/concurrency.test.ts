import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it, vi } from "vitest";
import { etl } from "./etl.ts";

// Each test spawns several etl processes; on a loaded 2-core machine one can take 20 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const tmp = mkdtempSync(join(tmpdir(), "etl-conc-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PRODUCTS = ["Laptop", "Mouse", "Keyboard", "Monitor"];

/** Six sales files, each of its own day, with order ids unique across them. */
function writeFiles(): string[] {
  return Array.from({ length: 6 }, (_, f) => {
    const lines = ["order_id,customer_name,product,quantity,unit_price,order_date"];
    for (let i = 0; i < 40; i++) {
      lines.push(`${f * 1000 + i},c${i % 7},${PRODUCTS[(i + f) % 4]},${1 + ((i * 3 + f) % 5)},${(10 + i).toFixed(2)},2024-04-${String(f + 1).padStart(2, "0")}`);
    }
    const file = join(tmp, `sales-${f}.csv`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    return file;
  });
}

async function query(sql: string) {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? Number(v) : v)));
}

/** The largest number of executions the journals show running at the same moment. */
function maxOverlap(state: string): number {
  const dir = join(state, "executions");
  const spans = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .map((f) => readFileSync(join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l)))
    .map((entries) => [Date.parse(entries[0].at), Date.parse(entries.at(-1).at)]);
  return Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
}

describe("etl run --concurrency", () => {
  it("runs several files as concurrent executions in one process; every job succeeds and gold matches DuckDB over the files", async () => {
    const files = writeFiles();
    const state = join(tmp, "state");
    const run = etl(["run", ...files, "--concurrency", "4", "--state-dir", state, "--json"]);
    expect(run.code).toBe(0);
    expect(run.json).toHaveLength(6);
    expect(run.json.every((j) => j.status === "SUCCESS")).toBe(true);
    expect(new Set(run.json.map((j) => j.jobId)).size).toBe(6);
    expect(run.json.map((j) => j.source.key).sort()).toEqual(files.map((_, f) => `incoming/sales-${f}.csv`));
    expect(maxOverlap(state)).toBeGreaterThan(1);

    const lake = join(state, "lake", "etl-lake");
    const gold = await query(
      `SELECT order_date::VARCHAR AS d, product, orders, units FROM read_parquet('${lake}/gold/daily_sales_by_product/**/*.parquet', hive_partitioning = false) ORDER BY ALL`,
    );
    const expected = await query(
      `SELECT order_date::VARCHAR AS d, product, count(*) AS orders, sum(quantity) AS units
       FROM read_csv([${files.map((f) => `'${f}'`).join(", ")}], header = true, columns = {'order_id': 'BIGINT', 'customer_name': 'VARCHAR', 'product': 'VARCHAR', 'quantity': 'BIGINT', 'unit_price': 'DOUBLE', 'order_date': 'DATE'})
       GROUP BY ALL ORDER BY ALL`,
    );
    expect(gold).toEqual(expected);
    expect((await query(`SELECT count(*) AS n FROM read_parquet('${lake}/silver/**/*.parquet')`))[0].n).toBe(240);
  });
});
