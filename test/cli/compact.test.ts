import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const work = mkdtempSync(join(tmpdir(), "etl-compact-cli-"));
const state = join(work, "state");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function etl(...args: string[]) {
  return spawnSync(process.execPath, ["cli/bin/etl.mjs", ...args, "--state-dir", state], { encoding: "utf8", env: { ...process.env, ETL_LOG_LEVEL: "" } });
}

/** A small sales file: one order on the 5th and one on the 6th of March 2024. */
function sales(name: string, id: number, quantity: number): string {
  const path = join(work, name);
  writeFileSync(path, `order_id,customer_name,product,quantity,unit_price,order_date\n${id},Ana,Desk,${quantity},10.5,2024-03-05\n${id + 1},Ben,Lamp,2,3.25,2024-03-06\n`);
  return path;
}

const QUERIES = [
  "SELECT year, month, day, COUNT(*) AS order_count, SUM(quantity * unit_price) AS total_revenue FROM silver_sales GROUP BY year, month, day ORDER BY year, month, day",
  "SELECT * EXCLUDE (_processed_at) FROM silver_sales ORDER BY order_id",
  "SELECT * FROM gold_daily_sales_summary ORDER BY year, month, day",
  "SELECT * FROM gold_product_performance ORDER BY ALL",
];
const answers = () => QUERIES.map((q) => etl("query", q, "--json").stdout);
const silverFiles = (day: string) => readdirSync(join(state, "lake", "etl-lake", "silver", "sales", "year=2024", "month=03", day));

describe("etl compact", () => {
  it("lists with --dry-run, compacts only the partition asked for, and leaves every etl query answer unchanged", () => {
    const files = [1, 2, 3, 4].map((i) => sales(`sales_${i}.csv`, i * 10, i));
    expect(etl("run", ...files).status).toBe(0);
    const before = answers();
    expect(before[1].trim().split("\n")).toHaveLength(8);

    const dry = etl("compact", "--dry-run");
    expect(dry.status).toBe(0);
    expect(dry.stdout).toBe("would compact sales/year=2024/month=03/day=05: 4 files\nwould compact sales/year=2024/month=03/day=06: 4 files\n");
    expect(silverFiles("day=05")).toHaveLength(4);

    const one = etl("compact", "--dataset", "sales", "--partition", "year=2024/month=03/day=05");
    expect(one.status).toBe(0);
    expect(one.stdout).toBe("✔ compacted sales/year=2024/month=03/day=05: 4 files → 1\n");
    expect(silverFiles("day=05")).toEqual(["compacted-g1-0.parquet"]);
    expect(silverFiles("day=06")).toHaveLength(4);
    expect(answers()).toEqual(before);

    expect(etl("compact").status).toBe(0);
    expect(silverFiles("day=06")).toEqual(["compacted-g1-0.parquet"]);
    expect(answers()).toEqual(before);
    expect(etl("compact").stdout).toBe("nothing to compact: every partition holds at most one file\n");
  }, 180_000);

  it("replaces a compacted source's rows when its key is uploaded again", () => {
    expect(etl("run", sales("sales_2.csv", 500, 9)).status).toBe(0);

    const rows = etl("query", "SELECT order_id, quantity FROM silver_sales WHERE _source_key LIKE '%sales_2.csv' ORDER BY order_id", "--json");
    expect(rows.stdout).toBe('{"order_id":500,"quantity":9}\n{"order_id":501,"quantity":2}\n');
    const gold = etl("query", "SELECT day, orders, units FROM gold_daily_sales_summary ORDER BY day", "--json");
    expect(gold.stdout).toBe('{"day":5,"orders":4,"units":17}\n{"day":6,"orders":4,"units":8}\n');
  }, 120_000);
});
