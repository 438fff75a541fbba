/** One chart of the dashboard: the SQL over the lake's tables that feeds it, and its Vega-Lite spec. */
export type DashboardView = { id: string; title: string; tables: string[]; sql: string; spec: Record<string, unknown> };

/**
 * The original design's four dashboard ideas, over the sample's gold models and the job history.
 * Numbers are cast to DOUBLE and dates formatted in SQL, so the rows are plain JSON for Vega.
 */
export const DASHBOARD_VIEWS: DashboardView[] = [
  {
    id: "overview",
    title: "Sales overview",
    tables: ["gold_daily_sales_summary"],
    sql: `SELECT * FROM (VALUES ('Revenue', (SELECT CAST(sum(revenue) AS DOUBLE) FROM gold_daily_sales_summary)),
                               ('Orders', (SELECT CAST(sum(orders) AS DOUBLE) FROM gold_daily_sales_summary)),
                               ('Avg order value', (SELECT CAST(sum(revenue) / nullif(sum(orders), 0) AS DOUBLE) FROM gold_daily_sales_summary))) t(label, value)`,
    spec: {
      mark: { type: "text", fontSize: 28, fontWeight: "bold" },
      encoding: {
        column: { field: "label", type: "nominal", sort: null, header: { title: null, labelFontSize: 14 } },
        text: { field: "value", type: "quantitative", format: ",.2f" },
      },
      width: 180,
      height: 60,
    },
  },
  {
    id: "daily",
    title: "Daily trends",
    tables: ["gold_daily_sales_summary"],
    sql: `SELECT strftime(make_date(year, month, day), '%Y-%m-%d') AS date, CAST(orders AS DOUBLE) AS orders, CAST(revenue AS DOUBLE) AS revenue
          FROM gold_daily_sales_summary ORDER BY date`,
    spec: {
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "date", type: "temporal", timeUnit: "yearmonthdate", title: "Day", axis: { format: "%b %d" } },
        y: { field: "revenue", type: "quantitative", title: "Revenue" },
        tooltip: [{ field: "date", type: "temporal" }, { field: "orders", type: "quantitative" }, { field: "revenue", type: "quantitative", format: ",.2f" }],
      },
      width: 560,
      height: 220,
    },
  },
  {
    id: "products",
    title: "Product performance",
    tables: ["gold_product_performance"],
    sql: `SELECT product, CAST(sum(revenue) AS DOUBLE) AS revenue, CAST(sum(orders) AS DOUBLE) AS orders
          FROM gold_product_performance GROUP BY product ORDER BY revenue DESC`,
    spec: {
      mark: "bar",
      encoding: {
        y: { field: "product", type: "nominal", sort: "-x", title: null },
        x: { field: "revenue", type: "quantitative", title: "Revenue" },
        tooltip: [{ field: "product" }, { field: "revenue", format: ",.2f" }, { field: "orders" }],
      },
      width: 560,
    },
  },
  {
    id: "jobs",
    title: "ETL job monitoring",
    tables: ["jobs"],
    sql: `SELECT strftime(make_date(year, month, day), '%Y-%m-%d') AS date, status, CAST(count(*) AS DOUBLE) AS jobs,
                 CAST(avg(duration_ms) AS DOUBLE) AS avg_duration_ms
          FROM jobs GROUP BY ALL ORDER BY ALL`,
    spec: {
      mark: "bar",
      encoding: {
        x: { field: "date", type: "ordinal", title: "Day" },
        y: { field: "jobs", type: "quantitative", title: "Jobs" },
        color: {
          field: "status",
          type: "nominal",
          scale: { domain: ["SUCCESS", "FAILED", "SKIPPED", "SUPERSEDED"], range: ["#2e7d32", "#c62828", "#9e9e9e", "#f9a825"] },
        },
        tooltip: [{ field: "status" }, { field: "jobs" }, { field: "avg_duration_ms", title: "avg ms", format: ",.0f" }],
      },
      width: 560,
      height: 200,
    },
  },
];
