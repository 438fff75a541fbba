import type { GoldModel, Metric } from "../config/goldModel.ts";
import { quoteIdent } from "../engine/sql.ts";

function metricSql(m: Metric): string {
  const col = m.column ? quoteIdent(m.column) : "";
  switch (m.fn) {
    case "count":
      return m.column ? `count(${col})` : "count(*)";
    case "count_distinct":
      return `count(DISTINCT ${col})`;
    default:
      return `${m.fn}(${col})`;
  }
}

/** A gold model as one SQL query over `relation`, grouped by the model's columns in a stable order. */
export function compileModel(model: GoldModel, relation: string): string {
  const groups = model.groupBy.map(quoteIdent);
  const metrics = model.metrics.map((m) => `${metricSql(m)} AS ${quoteIdent(m.name)}`);
  const select = [...groups, ...metrics].join(", ");
  return groups.length
    ? `SELECT ${select} FROM ${relation} GROUP BY ${groups.join(", ")} ORDER BY ${groups.join(", ")}`
    : `SELECT ${select} FROM ${relation}`;
}
