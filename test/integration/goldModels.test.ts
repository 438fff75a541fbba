import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineConfig } from "../../core/config/defineConfig.ts";
import { LAKE, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { outputItems } from "../helpers/outputs.ts";

/** A dataset with a status to filter on, and models of every grain over expressions, ratios and filters. */
const config = defineConfig({
  datasets: [
    {
      name: "orders",
      match: ["orders*.csv"],
      columns: {
        order_id: { type: "integer", required: true },
        product: { type: "string", required: true },
        status: { type: "string" },
        quantity: { type: "integer", required: true },
        unit_price: { type: "double" },
        order_date: { type: "date", required: true },
      },
      dedupKeys: ["order_id"],
      eventTime: "order_date",
    },
  ],
  gold: [
    {
      name: "paid_daily",
      dataset: "orders",
      where: [{ column: "status", in: ["paid"] }],
      groupBy: [],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "revenue", fn: "sum", expr: "quantity * coalesce(unit_price, 0)" },
        { name: "avg_order_value", ratio: { numerator: "revenue", denominator: "orders" } },
      ],
    },
    {
      name: "monthly_products",
      dataset: "orders",
      grain: "month",
      where: [{ column: "quantity", op: ">=", value: 2 }],
      groupBy: ["product"],
      metrics: [
        { name: "units", fn: "sum", column: "quantity" },
        { name: "refunded_units", fn: "sum", expr: "case when status = 'refunded' then quantity else 0 end" },
        { name: "refund_share", ratio: { numerator: "refunded_units", denominator: "units" } },
      ],
    },
    {
      name: "yearly",
      dataset: "orders",
      grain: "year",
      groupBy: ["status"],
      metrics: [
        { name: "revenue", fn: "sum", expr: "quantity * unit_price" },
        { name: "max_price", fn: "max", column: "unit_price" },
      ],
    },
  ],
});

const FILES: Record<string, string[]> = {
  "orders-1.csv": ["1,Laptop,paid,1,1000.5,2024-03-01", "2,Mouse,paid,3,20,2024-03-01", "3,Mouse,refunded,2,20,2024-03-02"],
  "orders-2.csv": ["4,Laptop,paid,2,990,2024-03-02", "5,Cable,,5,,2024-03-15", "6,Mouse,paid,4,19.5,2024-04-01"],
  "orders-3.csv": ["7,Laptop,refunded,2,1000,2024-03-31", "8,Cable,paid,10,3.25,2023-12-31", "9,Mouse,paid,1,21,2024-04-02"],
};

describe("gold models over expressions, ratios, filters and grains", () => {
  let p: TestPipeline;
  let dir: string;
  beforeAll(async () => {
    p = await startPipeline({ config });
    dir = mkdtempSync(join(tmpdir(), "gold-models-"));
    for (const [name, rows] of Object.entries(FILES)) {
      const file = join(dir, name);
      writeFileSync(file, ["order_id,product,status,quantity,unit_price,order_date", ...rows].join("\n"));
      const outcome = await p.runtime.execute(await p.runtime.upload(file, `incoming/${name}`));
      expect(outcome.status).toBe("SUCCEEDED");
    }
    // A corrected second file replaces its rows: the months and the year it touched are recomputed.
    const file = join(dir, "orders-2.csv");
    writeFileSync(file, ["order_id,product,status,quantity,unit_price,order_date", "4,Laptop,paid,3,990,2024-03-02", "6,Mouse,paid,4,19.5,2024-04-01"].join("\n"));
    expect((await p.runtime.execute(await p.runtime.upload(file, "incoming/orders-2.csv"))).status).toBe("SUCCEEDED");
  }, 120_000);
  afterAll(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The same question asked of silver directly, by DuckDB alone. */
  async function silver(sql: string) {
    const keys = await p.keys(LAKE, "silver/orders/");
    return p.query(LAKE, keys, sql.replace("silver", "read_parquet({files})"));
  }

  it("publishes one object per partition of each grain, with the path forms year=/month=/day=", async () => {
    expect(await p.keys(LAKE, "gold/monthly_products/")).toEqual([
      "gold/monthly_products/year=2023/month=12/part.parquet",
      "gold/monthly_products/year=2024/month=03/part.parquet",
      "gold/monthly_products/year=2024/month=04/part.parquet",
    ]);
    expect(await p.keys(LAKE, "gold/yearly/")).toEqual(["gold/yearly/year=2023/part.parquet", "gold/yearly/year=2024/part.parquet"]);
    expect((await p.keys(LAKE, "gold/paid_daily/")).every((k) => /^gold\/paid_daily\/year=\d{4}\/month=\d{2}\/day=\d{2}\/part\.parquet$/.test(k))).toBe(true);
  });

  it("counts each commit once in every day, month and year it changed, however many of its days a month holds", async () => {
    const versions = Object.fromEntries(
      (await outputItems()).filter((i) => i.id.startsWith("silver#orders#")).map((i) => [i.id.slice("silver#orders#".length), Number(i.version)]),
    );
    // Four commits touched March 2024 (the three files and the correction), two of them on two or three of its days.
    expect(versions).toEqual({
      "year=2024/month=03/day=01": 1,
      "year=2024/month=03/day=02": 3,
      "year=2024/month=03/day=15": 2,
      "year=2024/month=03/day=31": 1,
      "year=2024/month=04/day=01": 2,
      "year=2024/month=04/day=02": 1,
      "year=2023/month=12/day=31": 1,
      "year=2024/month=03": 4,
      "year=2024/month=04": 3,
      "year=2023/month=12": 1,
      "year=2024": 4,
      "year=2023": 1,
    });
  });

  it("equals an independent computation over all silver files, for every grain", async () => {
    const all = async (model: string) => {
      const keys = await p.keys(LAKE, `gold/${model}/`);
      const rows = [];
      for (const key of keys) {
        const partition = key.slice(`gold/${model}/`.length, -"/part.parquet".length);
        for (const row of await p.query(LAKE, [key], "SELECT * FROM read_parquet({files}) ORDER BY ALL")) rows.push({ partition, ...row });
      }
      return rows;
    };
    const daily = await silver(`
      SELECT format('year={}/month={}/day={}', strftime(order_date, '%Y'), strftime(order_date, '%m'), strftime(order_date, '%d')) AS partition,
             count(*) AS orders, sum(quantity * coalesce(unit_price, 0)) AS revenue,
             sum(quantity * coalesce(unit_price, 0)) / count(*) AS avg_order_value
      FROM silver WHERE status = 'paid' GROUP BY ALL ORDER BY ALL`);
    const monthly = await silver(`
      SELECT format('year={}/month={}', strftime(order_date, '%Y'), strftime(order_date, '%m')) AS partition, product,
             CAST(sum(quantity) AS BIGINT) AS units,
             CAST(sum(CASE WHEN status = 'refunded' THEN quantity ELSE 0 END) AS BIGINT) AS refunded_units,
             sum(CASE WHEN status = 'refunded' THEN quantity ELSE 0 END) / sum(quantity) AS refund_share
      FROM silver WHERE quantity >= 2 GROUP BY ALL ORDER BY ALL`);
    const yearly = await silver(`
      SELECT format('year={}', strftime(order_date, '%Y')) AS partition, status,
             sum(quantity * unit_price) AS revenue, max(unit_price) AS max_price
      FROM silver GROUP BY ALL ORDER BY ALL`);

    const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a, big).localeCompare(JSON.stringify(b, big)));
    expect(sortRows(await all("paid_daily"))).toEqual(sortRows(daily));
    expect(sortRows(await all("monthly_products"))).toEqual(sortRows(monthly));
    expect(sortRows(await all("yearly"))).toEqual(sortRows(yearly));
    // The corrected file's quantity (3, not 2) reached the month and the year it belongs to.
    expect(monthly.find((r) => r.partition === "year=2024/month=03" && r.product === "Laptop")).toMatchObject({ units: 5n });
    expect(monthly.find((r) => r.partition === "year=2024/month=03" && r.product === "Cable")).toBeUndefined();
  });
});

function big(_key: string, value: unknown) {
  return typeof value === "bigint" ? `${value}n` : value;
}
