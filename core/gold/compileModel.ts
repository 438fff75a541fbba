import { isAggregate, type AggregateMetric, type Filter, type GoldModel } from "../config/goldModel.ts";
import { quoteIdent, type Params } from "../engine/sql.ts";
import { normalizeType, type ColumnTypes } from "./expressionType.ts";
import { divide, expressionSql } from "./expressionSql.ts";
import { metricInput, modelColumns } from "./modelColumns.ts";

function aggregateSql(m: AggregateMetric, columns: ColumnTypes, params: Params): string {
  const input = metricInput(m);
  const arg = input ? expressionSql(input, columns, params) : "";
  switch (m.fn) {
    case "count":
      return input ? `count(${arg})` : "count(*)";
    case "count_distinct":
      return `count(DISTINCT ${arg})`;
    default:
      return `${m.fn}(${arg})`;
  }
}

/** A filter with its values bound as parameters of the column's own type. */
function filterSql(f: Filter, columns: ColumnTypes, params: Params): string {
  const type = normalizeType(columns[f.column] ?? "VARCHAR");
  const value = (x: string | number | boolean) => `CAST(${params.add(x)} AS ${type})`;
  if ("in" in f) return `${quoteIdent(f.column)} IN (${f.in.map(value).join(", ")})`;
  return `${quoteIdent(f.column)} ${f.op} ${value(f.value)}`;
}

/**
 * A gold model as one SQL query over `relation` (whose columns have the given types), filtered,
 * grouped by the model's columns in a stable order, every output cast to the type
 * `modelColumns` declares. Values of filters and string literals go into `params`.
 */
export function compileModel(model: GoldModel, relation: string, columns: ColumnTypes, params: Params): string {
  const types = new Map(modelColumns(model, columns).map((c) => [c.name, c.type]));
  const aggregates = new Map<string, string>();
  for (const m of model.metrics) if (isAggregate(m)) aggregates.set(m.name, aggregateSql(m, columns, params));
  const groups = model.groupBy.map(quoteIdent);
  const metrics = model.metrics.map((m) => {
    const sql = m.ratio ? divide(aggregates.get(m.ratio.numerator)!, aggregates.get(m.ratio.denominator)!) : aggregates.get(m.name)!;
    return `CAST(${sql} AS ${types.get(m.name)}) AS ${quoteIdent(m.name)}`;
  });
  const where = model.where.length ? ` WHERE ${model.where.map((f) => filterSql(f, columns, params)).join(" AND ")}` : "";
  const select = `SELECT ${[...groups, ...metrics].join(", ")} FROM ${relation}${where}`;
  // Without groups SQL answers one row even when the filter left none; a partition with no rows has none.
  return groups.length ? `${select} GROUP BY ${groups.join(", ")} ORDER BY ${groups.join(", ")}` : `${select} HAVING count(*) > 0`;
}
