import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderTemplate } from "../../core/catalog/partitionProjection.ts";

const state = mkdtempSync(join(tmpdir(), "etl-query-"));
const clean = mkdtempSync(join(tmpdir(), "etl-query-clean-"));
afterAll(() => {
  rmSync(state, { recursive: true, force: true });
  rmSync(clean, { recursive: true, force: true });
});

function etl(command: string, ...args: string[]) {
  const out = spawnSync(process.execPath, ["cli/bin/etl.mjs", command, ...args], { encoding: "utf8", env: { ...process.env, ETL_LOG_LEVEL: "" } });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

function query(dir: string, sql: string) {
  const out = etl("query", sql, "--json", "--state-dir", dir);
  expect(out.stderr).toBe("");
  expect(out.code).toBe(0);
  return out.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** The same question asked of the files by a DuckDB of the test's own, rows as JSON would carry them. */
async function independent(sql: string) {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const silver = `read_parquet('${state}/lake/etl-lake/silver/sales/*/*/*/*.parquet', hive_partitioning = true, hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER})`;
  const rows = (await conn.runAndReadAll(sql.replaceAll("{silver}", silver))).getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? Number(v) : v)));
}

const ATHENA = `SELECT year, month, day, COUNT(*) AS order_count, SUM(quantity * unit_price) AS total_revenue
FROM silver_sales GROUP BY year, month, day ORDER BY year, month, day`;

beforeAll(() => {
  // Two sources of one dataset and a rejected file: the history has both outcomes.
  expect(etl("run", "samples/sales.csv", "test/fixtures/sales-corrected.csv", "test/fixtures/sales-wrong-columns.csv", "--state-dir", state).code).toBe(1);
  const file = join(clean, "sales-clean.csv");
  writeFileSync(file, "order_id,customer_name,product,quantity,unit_price,order_date\n1,A,Pen,2,1.5,2024-05-01\n");
  expect(etl("run", file, "--state-dir", join(clean, "state")).code).toBe(0);
}, 120_000);

describe("etl query", () => {
  it("runs the original design's Athena query with only table and partition names changed", async () => {
    const rows = query(state, ATHENA);

    expect(rows.length).toBeGreaterThan(1);
    expect(rows).toEqual(await independent(ATHENA.replace("silver_sales", "{silver}")));
  });

  it("serves the daily summary and product performance equal to a computation over silver", async () => {
    const daily = query(state, "SELECT year, month, day, orders, units, avg_unit_price, revenue, avg_order_value FROM gold_daily_sales_summary ORDER BY ALL");
    const products = query(state, "SELECT year, month, product, revenue, orders FROM gold_product_performance ORDER BY ALL");

    expect(daily).toEqual(
      await independent(`SELECT year, month, day, count(*) AS orders, sum(quantity) AS units, avg(unit_price) AS avg_unit_price,
        sum(quantity * unit_price) AS revenue, sum(quantity * unit_price) / count(*) AS avg_order_value FROM {silver} GROUP BY ALL ORDER BY ALL`),
    );
    expect(products).toEqual(
      await independent(`SELECT year, month, product, sum(quantity * unit_price) AS revenue, count(*) AS orders FROM {silver} GROUP BY ALL ORDER BY ALL`),
    );
  });

  it("has the job history, one row per job end", () => {
    expect(query(state, "SELECT status, count(*) AS jobs, sum(input_rows) AS input_rows FROM jobs GROUP BY status ORDER BY status")).toEqual([
      { status: "FAILED", jobs: 1, input_rows: 0 },
      { status: "SUCCESS", jobs: 2, input_rows: 18 },
    ]);
  });

  it("lists tables without files and queries them as empty, with their columns", () => {
    const tables = etl("query", "--tables", "--csv", "--state-dir", join(clean, "state"));
    const quarantine = query(join(clean, "state"), "SELECT count(*) AS n FROM quarantine_sales");

    expect(tables.code).toBe(0);
    expect(tables.stdout).toContain("quarantine_sales,_reason,string,,0\n");
    expect(tables.stdout).toContain("silver_sales,year,int,partition,1\n");
    expect(tables.stderr).toContain("no files yet (queryable, empty): quarantine_sales");
    expect(quarantine).toEqual([{ n: 0 }]);
  });

  it("prints an aligned table by default and CSV with --csv", () => {
    const table = etl("query", "SELECT 'a,b' AS s, 1.5 AS x", "--state-dir", state);
    const csv = etl("query", "SELECT 'a,b' AS s, 1.5 AS x", "--csv", "--state-dir", state);

    expect(table.stdout).toMatch(/│ s +│ x +│\n│ a,b │ 1.5 │/);
    expect(table.stdout).toContain("(1 row)");
    expect(csv.stdout).toBe('s,x\n"a,b",1.5\n');
  });

  it("says what to do in a state directory the pipeline never wrote, and refuses a catalog location outside the lake", () => {
    const empty = mkdtempSync(join(tmpdir(), "etl-query-empty-"));
    const none = etl("query", "SELECT 1", "--state-dir", empty);
    mkdirSync(join(empty, "catalog", "etl"), { recursive: true });
    writeFileSync(join(empty, "catalog", "etl", "evil.json"), JSON.stringify({ Name: "evil", StorageDescriptor: { Location: "s3://etl-lake/../../../etc/", Columns: [] } }));
    const evil = etl("query", "SELECT 1", "--state-dir", empty);
    rmSync(empty, { recursive: true, force: true });

    expect(none.code).toBe(1);
    expect(none.stderr).toContain("run `npx etl run <file>` first");
    expect(evil.code).toBe(1);
    expect(evil.stderr).toContain("Unexpected table location s3://etl-lake/../../../etc/");
    expect(evil.stderr).not.toMatch(/\n\s+at /);
    expect(evil.stdout).toBe("");
  });

  it("answers a SQL error with DuckDB's message and exit 1, without a stack trace", () => {
    const out = etl("query", "SELECT nope FROM silver_sales", "--state-dir", state);

    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Binder Error: .*"nope"/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    expect(out.stdout).toBe("");
  });
});

/** parquet_schema() leaf types as Hive names: what Athena reads the files as. */
const HIVE_OF_PARQUET = (r: { type: string; converted_type: string | null; logical_type: string | null }) =>
  r.converted_type === "UTF8" ? "string" : r.converted_type === "DATE" ? "date" : r.converted_type?.startsWith("TIMESTAMP") ? "timestamp"
  : r.converted_type === "DECIMAL" ? "decimal" : ({ INT64: "bigint", INT32: "int", DOUBLE: "double", BOOLEAN: "boolean" } as Record<string, string>)[r.type];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("the catalog", () => {
  const catalog = () =>
    readdirSync(join(state, "catalog", "etl")).map((f) => JSON.parse(readFileSync(join(state, "catalog", "etl", f), "utf8")));

  it("has a table for the silver, quarantine, each gold model and the job history", () => {
    expect(catalog().map((t) => t.Name).sort()).toEqual([
      "gold_daily_sales_by_product",
      "gold_daily_sales_summary",
      "gold_product_performance",
      "jobs",
      "quarantine_sales",
      "silver_sales",
    ]);
  });

  it("declares exactly the columns and types of every Parquet file written", async () => {
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    for (const t of catalog().filter((t) => t.StorageDescriptor.SerdeInfo.SerializationLibrary.includes("Parquet"))) {
      const declared = t.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type.replace(/\(.*/, "")]).sort();
      const files = filesUnder(join(state, "lake", t.StorageDescriptor.Location.slice("s3://".length)));
      expect(files.length, t.Name).toBeGreaterThan(0);
      for (const file of files) {
        type Leaf = { name: string; type: string; converted_type: string | null; logical_type: string | null };
        const schema = (await conn.runAndReadAll(`SELECT name, type, converted_type, logical_type FROM parquet_schema($1) WHERE num_children IS NULL`, [file])).getRowObjectsJS() as Leaf[];
        expect(schema.map((r) => [r.name, HIVE_OF_PARQUET(r)]).sort(), `${t.Name}: ${file}`).toEqual(declared);
      }
    }
    conn.closeSync();
    db.closeSync();
  });

  it("projects partitions onto exactly the paths written, padding included", () => {
    for (const t of catalog().filter((t) => t.PartitionKeys.length)) {
      const root = join(state, "lake", t.StorageDescriptor.Location.slice("s3://".length));
      const files = filesUnder(root);
      expect(files.length, t.Name).toBeGreaterThan(0);
      expect(t.Parameters["projection.enabled"]).toBe("true");
      for (const file of files) {
        const values = Object.fromEntries(relative(root, dirname(file)).split("/").map((p) => [p.split("=")[0], Number(p.split("=")[1])]));
        expect(Object.keys(values)).toEqual(t.PartitionKeys.map((k: { Name: string }) => k.Name));
        const bucket = t.StorageDescriptor.Location.slice("s3://".length).split("/")[0];
        expect(renderTemplate(t.Parameters, values)).toBe(`s3://${bucket}/${relative(join(state, "lake", bucket), dirname(file))}`);
      }
    }
  });
});
