import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const work = mkdtempSync(join(tmpdir(), "etl-rebuild-"));
// The state dir is etl's own; the configs live beside it (a state dir holds only what etl made).
const state = join(work, "state");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function etl(...args: string[]) {
  return spawnSync(process.execPath, ["cli/bin/etl.mjs", ...args], { encoding: "utf8", env: { ...process.env, ETL_LOG_LEVEL: "" } });
}

/** A config file with the sales dataset and one model `perf` of the given grain and metrics. */
function config(name: string, grain: string, metrics: string): string {
  const path = join(work, name);
  writeFileSync(
    path,
    `import { defineConfig } from ${JSON.stringify(resolve("core/config/defineConfig.ts"))};
export default defineConfig({
  datasets: [{ name: "sales", match: ["sales*.csv"], columns: {
    order_id: { type: "integer", required: true }, product: { type: "string", required: true },
    quantity: { type: "integer", required: true }, unit_price: { type: "double", required: true }, order_date: { type: "date", required: true } },
    dedupKeys: ["order_id"], eventTime: "order_date" }],
  gold: [{ name: "perf", dataset: "sales", grain: ${JSON.stringify(grain)}, groupBy: ["product"], metrics: ${metrics} }],
});
`,
  );
  return path;
}

describe("etl rebuild", () => {
  it("recomputes a changed model's whole history at its new grain, removes the old partitions and updates its table", () => {
    const before = config("before.ts", "day", `[{ name: "orders", fn: "count" }]`);
    const after = config("after.ts", "month", `[{ name: "orders", fn: "count" }, { name: "revenue", fn: "sum", expr: "quantity * unit_price" }]`);
    expect(etl("run", "samples/sales.csv", "--config", before, "--state-dir", state).status).toBe(0);
    const gold = join(state, "lake", "etl-lake", "gold", "perf");
    expect(readdirSync(gold, { recursive: true }).filter((p) => String(p).endsWith(".parquet"))).toHaveLength(3);

    const rebuild = etl("rebuild", "perf", "--config", after, "--state-dir", state);

    expect(rebuild.status).toBe(0);
    expect(rebuild.stdout).toMatch(/rebuilt perf: 1 partitions \(7 rows\) from silver, 3 stale removed/);
    expect(readdirSync(gold, { recursive: true }).filter((p) => String(p).endsWith(".parquet"))).toEqual(["year=2024/month=03/part.parquet"]);
    const table = JSON.parse(readFileSync(join(state, "catalog", "etl", "gold_perf.json"), "utf8"));
    expect(table.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(["year", "month"]);
    const query = etl("query", "SELECT sum(orders) AS orders, round(sum(revenue), 2) AS revenue FROM gold_perf", "--json", "--state-dir", state);
    const silver = etl("query", "SELECT count(*) AS orders, round(sum(quantity * unit_price), 2) AS revenue FROM silver_sales", "--json", "--state-dir", state);
    expect(query.stdout).toBe(silver.stdout);
    expect(JSON.parse(query.stdout).orders).toBe(13);
  }, 120_000);

  it("refuses a model the config does not have, as a usage error", () => {
    const out = etl("rebuild", "nope", "--state-dir", state);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("no gold model nope");
  });
});
