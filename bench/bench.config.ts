import { defineConfig } from "../core/config/defineConfig.ts";

/**
 * The benchmark's dataset: the original design's sales orders as `bench/gen_sales.mjs` writes them
 * (order ids like `ORD-1`, about 2% empty quantities, about 1% repeated orders), and its daily
 * summary as the gold model (orders, units, average unit price, revenue = sum(quantity * unit_price)).
 * Every row reaches silver, so the benchmark measures cleaning, not quarantining.
 */
export default defineConfig({
  datasets: [
    {
      name: "sales",
      match: ["**"],
      columns: {
        order_id: { type: "string", required: true },
        // The original design fills a missing quantity with 0.
        quantity: { type: "integer", nulls: { fill: 0 } },
        unit_price: { type: "double", required: true },
        order_date: { type: "date", required: true },
      },
      dedupKeys: ["order_id"],
      eventTime: "order_date",
    },
  ],
  gold: [
    {
      name: "daily_sales",
      dataset: "sales",
      groupBy: ["order_date"],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "units", fn: "sum", column: "quantity" },
        { name: "avg_unit_price", fn: "avg", column: "unit_price" },
        { name: "revenue", fn: "sum", expr: "quantity * unit_price" },
      ],
    },
  ],
});
