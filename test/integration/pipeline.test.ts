import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { ownedObjects } from "../helpers/outputs.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";

describe("the state machine on the bundled sample", () => {
  let p: TestPipeline;
  let jobId: string;
  let outcome: Awaited<ReturnType<TestPipeline["runtime"]["execute"]>>;

  beforeAll(async () => {
    p = await startPipeline();
    const event = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
    jobId = jobIdFor(sourceFromEvent(event));
    outcome = await p.runtime.execute(event);
  });
  afterAll(() => p.stop());

  it("succeeds and records the job SUCCESS with its row accounting", async () => {
    expect(outcome.status).toBe("SUCCEEDED");
    const job = await readJob(jobId);
    expect(job?.status).toBe("SUCCESS");
    expect(job?.dataset).toBe("sales");
    expect(job?.finished_at).toBeTypeOf("string");
    // 16 rows: 2 repeated order ids, 1 quantity "two", 1 row without a product (drop policy).
    expect(job?.stats).toEqual({
      inputRows: 16,
      silverRows: 12,
      duplicateRows: 2,
      quarantinedRows: 1,
      droppedRows: 1,
      goldRows: 21,
      quarantinedShare: 0.0625,
    });
  });

  it("writes typed, zstd-compressed silver Parquet under zero-padded day partitions", async () => {
    const keys = await p.keys(LAKE, "silver/sales/");
    expect(keys.map((k) => k.replace(/[^/]+$/, ""))).toEqual([
      "silver/sales/year=2024/month=03/day=01/",
      "silver/sales/year=2024/month=03/day=02/",
      "silver/sales/year=2024/month=03/day=03/",
    ]);
    const schema = await p.query<{ name: string; type: string; logical_type: string | null }>(
      LAKE,
      keys.slice(0, 1),
      "SELECT name, type, CAST(logical_type AS VARCHAR) AS logical_type FROM parquet_schema({files}) WHERE name <> 'duckdb_schema'",
    );
    const types = Object.fromEntries(schema.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      order_id: "INT64",
      customer_name: "BYTE_ARRAY",
      quantity: "INT64",
      unit_price: "DOUBLE",
      order_date: "INT32",
      _processed_at: "INT64",
    });
    expect(schema.find((c) => c.name === "_processed_at")?.logical_type).toMatch(/isAdjustedToUTC=1/);
    const codecs = await p.query<{ c: string }>(LAKE, keys, "SELECT DISTINCT compression AS c FROM parquet_metadata({files})");
    expect(codecs.map((r) => r.c)).toEqual(["ZSTD"]);
  });

  it("keeps the first of each order id, fills missing customers and traces rows to their source", async () => {
    const rows = await p.query<Record<string, unknown>>(
      LAKE,
      await p.keys(LAKE, "silver/sales/"),
      "SELECT * FROM read_parquet({files}) ORDER BY order_id",
    );
    expect(rows.map((r) => Number(r.order_id))).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1007, 1010, 1011, 1012, 1013, 1014]);
    expect(rows.find((r) => r.order_id === 1004n)?.customer_name).toBe("unknown");
    expect(rows.find((r) => r.order_id === 1011n)?.customer_name).toBe("unknown");
    expect(new Set(rows.map((r) => r._source_key))).toEqual(new Set(["incoming/sales.csv"]));
    expect(new Set(rows.map((r) => r._job_id))).toEqual(new Set([jobId]));
    expect(new Set(rows.map((r) => r._row_hash)).size).toBe(12);
  });

  it("quarantines the row whose quantity is not an integer, with the reason", async () => {
    const rows = await p.query<Record<string, unknown>>(LAKE, await p.keys(LAKE, "quarantine/sales/"), "SELECT * FROM read_parquet({files})");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ _rule: "type", _column: "quantity", _value: "two" });
    expect(String(rows[0]._reason)).toContain("not a valid integer");
  });

  it("publishes gold per day partition, computed from silver", async () => {
    const keys = await p.keys(LAKE, "gold/daily_sales_by_product/");
    expect(keys).toHaveLength(3);
    const gold = await p.query<{ order_date: Date; product: string; orders: bigint; units: bigint }>(
      LAKE,
      keys,
      "SELECT order_date, product, orders, units FROM read_parquet({files}) ORDER BY order_date, product",
    );
    expect(gold).toHaveLength(12);
    const laptops = gold.filter((g) => g.product === "Laptop").map((g) => [g.order_date.toISOString().slice(0, 10), Number(g.units)]);
    expect(laptops).toEqual([
      ["2024-03-01", 1],
      ["2024-03-02", 1],
      ["2024-03-03", 2],
    ]);
    // What stays staged is only the published gold, which a late publisher may have to copy again.
    expect(await p.keys(LAKE, "staging/")).toEqual((await ownedObjects(p.s3)).staging);
  });

  it("moves the upload from incoming/ to archived/", async () => {
    expect(await p.keys(RAW, "incoming/")).toEqual([]);
    expect(await p.keys(RAW, "archived/")).toEqual(["archived/sales.csv"]);
  });

  it("publishes one SNS success summary", async () => {
    const alerts = await p.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].Subject.length).toBeLessThanOrEqual(100);
    expect(alerts[0].Subject).toContain("SUCCESS");
    expect(alerts[0].Message).toMatchObject({
      status: "SUCCESS",
      jobId,
      dataset: "sales",
      rowsIn: 16,
      rowsOut: 12,
      duplicates: 2,
      quarantined: 1,
    });
    expect(alerts[0].Message.durationMs).toBeTypeOf("number");
  });
});
