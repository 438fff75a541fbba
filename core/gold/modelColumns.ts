import { isAggregate, type AggregateMetric, type GoldModel, type Metric } from "../config/goldModel.ts";
import { ExpressionError, parseExpression, type Expr } from "./expression.ts";
import { isInteger, isNumeric, normalizeType, typeOf, type ColumnTypes } from "./expressionType.ts";

/** A column of a gold table: its name and DuckDB type. */
export type GoldColumn = { name: string; type: string };

/** What an aggregate metric aggregates: its column or expression as a tree; none for `count`. */
export function metricInput(m: AggregateMetric): Expr | undefined {
  if (m.expr !== undefined) return parseExpression(m.expr);
  return m.column !== undefined ? { kind: "column", name: m.column } : undefined;
}

/** The DuckDB type a metric is stored as; throws ExpressionError when its input does not fit its function. */
export function metricType(m: Metric, columns: ColumnTypes): string {
  if (!isAggregate(m)) return "DOUBLE";
  const input = metricInput(m);
  const type = input ? typeOf(input, columns) : undefined;
  switch (m.fn) {
    case "count":
    case "count_distinct":
      return "BIGINT";
    case "avg":
      if (!isNumeric(type!)) throw new ExpressionError(`avg needs a number, not ${type}`);
      return "DOUBLE";
    case "sum": {
      if (!isNumeric(type!)) throw new ExpressionError(`sum needs a number, not ${type}`);
      // Integer sums are stored as BIGINT (DuckDB's HUGEINT has no Parquet type) and fail loudly on overflow.
      if (isInteger(type!)) return "BIGINT";
      const decimal = /^DECIMAL\(\d+,(\d+)\)$/.exec(type!);
      return decimal ? `DECIMAL(38,${decimal[1]})` : "DOUBLE";
    }
    default:
      return type!;
  }
}

/**
 * The columns of a model's gold files, in order: the group columns, then the metrics. Typed from
 * the silver column types with the same rules the SQL casts to, so the catalog (typed from the
 * config) and the files (typed from silver) agree.
 */
export function modelColumns(model: GoldModel, columns: ColumnTypes): GoldColumn[] {
  const groups = model.groupBy.map((name) => {
    if (!columns[name]) throw new ExpressionError(`unknown column ${name}`);
    return { name, type: normalizeType(columns[name]) };
  });
  return [...groups, ...model.metrics.map((m) => ({ name: m.name, type: metricType(m, columns) }))];
}
