import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GoldModelSchema } from "../../core/config/goldModel.ts";
import { Engine } from "../../core/engine/engine.ts";
import { ContractViolationError } from "../../core/errors.ts";
import { buildGold, buildGoldPartitions } from "../../core/gold/buildGold.ts";

let root: string;
let engine: Engine;
/** Writes fixtures and reads results: a DuckDB of its own, not the engine under test. */
let db: DuckDBInstance;
let reader: DuckDBConnection;

beforeAll(async () => {
  db = await DuckDBInstance.create(":memory:", { threads: "1" });
  reader = await db.connect();
});

afterAll(() => {
  reader.closeSync();
  db.closeSync();
});

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "buildGold-test-"));
  engine = await Engine.open({ scratchDir: join(root, "scratch"), threads: 1 });
});

afterEach(() => {
  engine.close();
  rmSync(root, { recursive: true, force: true });
});

async function query(sql: string, params: DuckDBValue[] = []) {
  return (await reader.runAndReadAll(sql, params)).getRowObjectsJS();
}

/** Writes a silver-like Parquet file from a SELECT and returns its path. */
async function silverFile(name: string, select: string): Promise<string> {
  const path = join(root, "silver", name);
  mkdirSync(dirname(path), { recursive: true });
  await reader.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  return path;
}

const model = (input: unknown) => v.parse(GoldModelSchema, input);

const DAY_ONE = `SELECT * FROM (VALUES
    ('FR', 'a', 2::BIGINT, 10.0::DOUBLE, 'job-1'),
    ('FR', 'b', 3::BIGINT, 5.0::DOUBLE, 'job-1'),
    ('DE', 'a', 1::BIGINT, NULL, 'job-1')
  ) t(country, customer, qty, price, _job_id)`;
const DAY_ONE_LATER = `SELECT * FROM (VALUES ('FR', 'a', 4::BIGINT, 2.5::DOUBLE, 'job-2', 'web')) t(country, customer, qty, price, _job_id, channel)`;

describe("buildGold", () => {
  it("aggregates all silver files of a partition into one ordered Parquet file", async () => {
    const files = [await silverFile("a.parquet", DAY_ONE), await silverFile("b.parquet", DAY_ONE_LATER)];
    const m = model({
      name: "by_country",
      dataset: "sales",
      groupBy: ["country"],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "customers", fn: "count_distinct", column: "customer" },
        { name: "qty", fn: "sum", column: "qty" },
        { name: "avg_price", fn: "avg", column: "price" },
        { name: "min_price", fn: "min", column: "price" },
        { name: "max_qty", fn: "max", column: "qty" },
      ],
    });
    const out = join(root, "gold", "by_country", "part.parquet");

    const n = await buildGold(engine, m, files, out);

    // The sum's stored type has a test of its own below.
    const rows = await query(`SELECT * REPLACE (CAST(qty AS BIGINT) AS qty) FROM read_parquet($1)`, [out]);
    expect(n).toBe(2);
    expect(rows).toEqual([
      { country: "DE", orders: 1n, customers: 1n, qty: 1n, avg_price: null, min_price: null, max_qty: 1n },
      { country: "FR", orders: 3n, customers: 2n, qty: 9n, avg_price: 17.5 / 3, min_price: 2.5, max_qty: 4n },
    ]);
  });

  it("writes one ZSTD-compressed file", async () => {
    const files = [await silverFile("a.parquet", DAY_ONE)];
    const m = model({ name: "totals", dataset: "sales", groupBy: [], metrics: [{ name: "orders", fn: "count" }] });
    const out = join(root, "gold", "totals", "part.parquet");

    await buildGold(engine, m, files, out);

    const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata($1)`, [out]);
    expect(codecs).toEqual([{ compression: "ZSTD" }]);
  });

  it("stores counts and sums of integers as INT64, like silver's BIGINT", async () => {
    const files = [await silverFile("a.parquet", DAY_ONE)];
    const m = model({
      name: "totals",
      dataset: "sales",
      groupBy: ["country"],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "qty", fn: "sum", column: "qty" },
      ],
    });
    const out = join(root, "gold", "totals", "part.parquet");

    await buildGold(engine, m, files, out);

    const schema = await query(`SELECT name, type FROM parquet_schema($1) WHERE name IN ('orders', 'qty') ORDER BY name`, [out]);
    expect(schema).toEqual([
      { name: "orders", type: "INT64" },
      { name: "qty", type: "INT64" },
    ]);
  });

  it("fails as a bug, not as the file's fault, when a column is missing (the config check should have caught it)", async () => {
    const files = [await silverFile("a.parquet", DAY_ONE)];
    const m = model({ name: "by_region", dataset: "sales", groupBy: ["region"], metrics: [{ name: "n", fn: "count" }] });

    const run = buildGold(engine, m, files, join(root, "gold", "x.parquet"));

    await expect(run).rejects.toThrow(/region/);
    await expect(run).rejects.not.toBeInstanceOf(ContractViolationError);
  });

  it("computes many partitions in one query and one write, each file equal to the partition's on its own", async () => {
    const m = model({
      name: "by_country",
      dataset: "sales",
      groupBy: ["country"],
      where: [{ column: "qty", op: ">", value: 1 }],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "revenue", fn: "sum", expr: "qty * price" },
      ],
    });
    // Partition 0: two files, partition 1: none, partition 2: rows, none past the filter.
    const partitions = [
      [await silverFile("0/a.parquet", DAY_ONE), await silverFile("0/b.parquet", DAY_ONE_LATER)],
      [],
      [await silverFile("2/a.parquet", `SELECT * FROM (${DAY_ONE}) WHERE qty = 1`)],
    ];

    const built = await buildGoldPartitions(engine, m, partitions, join(root, "gold", "all"));

    expect([...built.keys()]).toEqual([0]);
    const alone = join(root, "gold", "alone.parquet");
    expect(built.get(0)!.rows).toBe(await buildGold(engine, m, partitions[0], alone));
    const read = (file: string) => query(`SELECT * FROM read_parquet($1, hive_partitioning = false)`, [file]);
    expect(await read(built.get(0)!.file)).toEqual(await read(alone));
    expect(await read(alone)).toEqual([{ country: "FR", orders: 3n, revenue: 45 }]);
  });
});
