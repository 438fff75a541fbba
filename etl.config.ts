import { defineConfig } from "./core/config/defineConfig.ts";

/**
 * Your datasets and gold models. A file uploaded under `incoming/` belongs to the first dataset
 * whose `match` glob fits its key below `incoming/`; other files are still ingested, with
 * inferred types, under a dataset named after their folder (or file name).
 */
export default defineConfig({
  datasets: [
    {
      name: "sales",
      match: ["sales*.csv", "sales*.csv.gz", "sales/**"],
      columns: {
        order_id: { type: "integer", required: true },
        customer_name: { type: "string", nulls: { fill: "unknown" } },
        product: { type: "string", required: true, nulls: "drop" },
        quantity: { type: "integer", required: true },
        unit_price: { type: "double", required: true },
        order_date: { type: "date", required: true },
      },
      dedupKeys: ["order_id"],
      eventTime: "order_date",
    },
  ],
  gold: [
    {
      name: "daily_sales_by_product",
      dataset: "sales",
      groupBy: ["order_date", "product"],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "units", fn: "sum", column: "quantity" },
        { name: "avg_unit_price", fn: "avg", column: "unit_price" },
        { name: "max_unit_price", fn: "max", column: "unit_price" },
        { name: "customers", fn: "count_distinct", column: "customer_name" },
      ],
    },
    // The original design's daily sales summary: one row per day.
    {
      name: "daily_sales_summary",
      dataset: "sales",
      groupBy: [],
      metrics: [
        { name: "orders", fn: "count" },
        { name: "units", fn: "sum", column: "quantity" },
        { name: "avg_unit_price", fn: "avg", column: "unit_price" },
        { name: "revenue", fn: "sum", expr: "quantity * unit_price" },
        { name: "avg_order_value", ratio: { numerator: "revenue", denominator: "orders" } },
      ],
    },
    // Product performance: revenue and orders by product and month, recomputed from the whole month.
    {
      name: "product_performance",
      dataset: "sales",
      grain: "month",
      groupBy: ["product"],
      metrics: [
        { name: "revenue", fn: "sum", expr: "quantity * unit_price" },
        { name: "orders", fn: "count" },
        { name: "units", fn: "sum", column: "quantity" },
      ],
    },
  ],
});
