import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect } from "vitest";
import { etl } from "./etl.ts";

/** An order row of the `orders` dataset the replay and retract tests use. */
export type Row = { order_id: number; product: string; status: string; quantity: number; order_date: string };

/** An order row whose quantity is its id, so every row counts differently in gold. */
export const row = (order_id: number, status: string, order_date: string, product = "pen"): Row => ({ order_id, product, status, quantity: order_id, order_date });

/** Gold computed independently of the pipeline: per day, rows and units of the rows the contract keeps. */
export function expectedGold(rows: Row[]) {
  const days = new Map<string, { orders: number; units: number }>();
  for (const r of rows) {
    const d = days.get(r.order_date) ?? { orders: 0, units: 0 };
    d.orders++;
    d.units += r.quantity;
    days.set(r.order_date, d);
  }
  return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([order_date, d]) => ({ order_date, ...d }));
}

/** The daily gold model as `etl query` reads it. */
export function gold(state: string) {
  const out = etl(["query", "SELECT strftime(order_date, '%Y-%m-%d') AS order_date, orders, units FROM gold_daily ORDER BY 1", "--json", "--state-dir", state]);
  expect(out.code).toBe(0);
  return out.json.map((r) => ({ order_date: r.order_date, orders: Number(r.orders), units: Number(r.units) }));
}

/** Every file under a directory whose bytes contain `text`. */
export function filesHolding(dir: string, text: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((p) => join(dir, String(p)))
    .filter((p) => statSync(p).isFile() && readFileSync(p).includes(text));
}

/** A temp folder for one test file (removed after it), with configs and CSV files of the `orders` dataset written in it. */
export function ordersKit(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A config of one dataset `orders` whose `status` allows `allowed`, and a daily gold model. */
  const config = (name: string, allowed: string[]): string => {
    const path = join(work, name);
    writeFileSync(
      path,
      `import { defineConfig } from ${JSON.stringify(resolve("core/config/defineConfig.ts"))};
export default defineConfig({
  datasets: [{ name: "orders", match: ["orders*.csv"], columns: {
    order_id: { type: "integer", required: true }, product: { type: "string", required: true },
    status: { type: "string", allowed: ${JSON.stringify(allowed)} },
    quantity: { type: "integer", required: true }, order_date: { type: "date", required: true } },
    dedupKeys: ["order_id"], eventTime: "order_date", maxQuarantinedRatio: 0.9 }],
  gold: [{ name: "daily", dataset: "orders", groupBy: ["order_date"], metrics: [{ name: "orders", fn: "count" }, { name: "units", fn: "sum", column: "quantity" }] }],
});
`,
    );
    return path;
  };

  const csv = (name: string, rows: Row[]): string => {
    const path = join(work, name);
    writeFileSync(path, `${["order_id,product,status,quantity,order_date", ...rows.map((r) => Object.values(r).join(","))].join("\n")}\n`);
    return path;
  };

  return { work, config, csv, expectedGold, gold, row, filesHolding };
}
