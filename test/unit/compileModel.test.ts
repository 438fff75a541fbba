import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoldModelSchema } from "../../core/config/goldModel.ts";
import { compileModel } from "../../core/gold/compileModel.ts";
import { Params } from "../../core/engine/sql.ts";

let db: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  db = await DuckDBInstance.create(":memory:", { threads: "1" });
  conn = await db.connect();
  await conn.run(`CREATE TABLE sales AS SELECT * FROM (VALUES
    ('2024-01-05'::DATE, 'FR', 'a', 2::BIGINT, 10.0::DOUBLE),
    ('2024-01-05'::DATE, 'FR', 'b', 3::BIGINT, 5.0::DOUBLE),
    ('2024-01-05'::DATE, 'DE', 'a', 1::BIGINT, NULL),
    ('2024-01-06'::DATE, 'FR', 'a', 4::BIGINT, 2.5::DOUBLE)
  ) t(order_date, "select", customer, qty, price)`);
});

afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

const model = (input: unknown) => v.parse(GoldModelSchema, input);

async function rows(sql: string, params: Params = new Params()) {
  const reader = await conn.runAndReadAll(sql, params.values);
  return reader.getRowObjectsJS();
}

const COLUMNS = { order_date: "DATE", select: "VARCHAR", customer: "VARCHAR", qty: "BIGINT", price: "DOUBLE" };

/** Compiles against the test table's columns; returns the SQL and its parameters. */
function compile(m: ReturnType<typeof model>) {
  const params = new Params();
  return { sql: compileModel(m, "sales", COLUMNS, params), params };
}

describe("compileModel", () => {
  it("compiles every metric, grouped and ordered by the group columns", async () => {
    const m = model({
      name: "daily",
      dataset: "sales",
      groupBy: ["order_date", "select"],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "priced", fn: "count", column: "price" },
        { name: "customers", fn: "count_distinct", column: "customer" },
        { name: "qty", fn: "sum", column: "qty" },
        { name: "avg_price", fn: "avg", column: "price" },
        { name: "min_qty", fn: "min", column: "qty" },
        { name: "max_qty", fn: "max", column: "qty" },
      ],
    });

    const { sql } = compile(m);

    const result = await rows(`SELECT CAST(order_date AS VARCHAR) AS day, * EXCLUDE (order_date) FROM (${sql})`);
    expect(result).toEqual([
      { day: "2024-01-05", select: "DE", orders: 1n, priced: 0n, customers: 1n, qty: 1n, avg_price: null, min_qty: 1n, max_qty: 1n },
      { day: "2024-01-05", select: "FR", orders: 2n, priced: 2n, customers: 2n, qty: 5n, avg_price: 7.5, min_qty: 2n, max_qty: 3n },
      { day: "2024-01-06", select: "FR", orders: 1n, priced: 1n, customers: 1n, qty: 4n, avg_price: 2.5, min_qty: 4n, max_qty: 4n },
    ]);
  });

  it("aggregates the whole relation into one row without groups", async () => {
    const m = model({ name: "totals", dataset: "sales", groupBy: [], metrics: [{ name: "qty", fn: "sum", column: "qty" }] });

    const { sql } = compile(m);

    expect(sql).not.toMatch(/GROUP BY/);
    expect(await rows(sql)).toEqual([{ qty: 10n }]);
  });

  it("quotes identifiers, so SQL keywords work as column and metric names", async () => {
    const m = model({ name: "by_kw", dataset: "sales", groupBy: ["select"], metrics: [{ name: "from", fn: "count" }] });

    const { sql } = compile(m);

    expect(sql).toContain('"select"');
    expect(await rows(sql)).toEqual([
      { select: "DE", from: 1n },
      { select: "FR", from: 3n },
    ]);
  });

  it("computes expression metrics, ratios and filters, binding every value", async () => {
    const m = model({
      name: "revenue",
      dataset: "sales",
      where: [{ column: "select", in: ["FR", "x'); DROP TABLE sales; --"] }, { column: "qty", op: ">=", value: 2 }],
      groupBy: ["order_date"],
      metrics: [
        { name: "revenue", fn: "sum", expr: "qty * coalesce(price, 0)" },
        { name: "orders", fn: "count" },
        { name: "big", fn: "sum", expr: "case when qty > 2 and not (price is null) then 1 else 0 end" },
        { name: "avg_order_value", ratio: { numerator: "revenue", denominator: "orders" } },
        { name: "per_big", ratio: { numerator: "revenue", denominator: "big" } },
      ],
    });

    const { sql, params } = compile(m);

    expect(sql).not.toContain("DROP");
    expect(params.values).toContain("x'); DROP TABLE sales; --");
    const result = await rows(`SELECT CAST(order_date AS VARCHAR) AS day, * EXCLUDE (order_date) FROM (${sql})`, params);
    expect(result).toEqual([
      { day: "2024-01-05", revenue: 35, orders: 2n, big: 1n, avg_order_value: 17.5, per_big: 35 },
      { day: "2024-01-06", revenue: 10, orders: 1n, big: 1n, avg_order_value: 10, per_big: 10 },
    ]);
    expect(await rows("SELECT count(*) AS n FROM sales")).toEqual([{ n: 4n }]);
  });

  it("gives NULL, not Infinity, for a ratio over zero and a division by zero", async () => {
    const m = model({
      name: "z",
      dataset: "sales",
      groupBy: ["select"],
      metrics: [
        { name: "zero", fn: "sum", expr: "qty - qty" },
        { name: "q", fn: "max", expr: "qty / (qty - qty)" },
        { name: "r", ratio: { numerator: "zero", denominator: "zero" } },
      ],
    });

    const { sql, params } = compile(m);

    expect(await rows(sql, params)).toEqual([
      { select: "DE", zero: 0n, q: null, r: null },
      { select: "FR", zero: 0n, q: null, r: null },
    ]);
  });
});
