import * as v from "valibot";
import { ExpressionError, parseExpression } from "../gold/expression.ts";
import { IdentifierSchema } from "./identifier.ts";

/** An expression in the gold grammar (core/gold/expression.ts), checked for syntax here, for columns and types by defineConfig. */
const ExpressionSchema = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      parseExpression(dataset.value);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      addIssue({ message: `Invalid expression ${JSON.stringify(dataset.value)}: ${error.message}` });
    }
  }),
);

/**
 * One metric of a gold model: an aggregate (`fn`) over a column or an expression of columns
 * (`count` needs neither: it counts rows), or a ratio of two aggregates of the same model
 * (`avg_order_value = revenue / orders`, NULL where the denominator is 0). One object shape, so a
 * mistake is reported on the field that has it.
 */
export const MetricSchema = v.pipe(
  v.strictObject({
    name: IdentifierSchema,
    fn: v.optional(v.picklist(["sum", "avg", "min", "max", "count", "count_distinct"])),
    column: v.optional(IdentifierSchema),
    /** e.g. `quantity * unit_price`, `case when status = 'paid' then quantity else 0 end`. */
    expr: v.optional(ExpressionSchema),
    ratio: v.optional(v.strictObject({ numerator: IdentifierSchema, denominator: IdentifierSchema })),
  }),
  v.check((m) => (m.fn === undefined) !== (m.ratio === undefined), "A metric has either fn (an aggregate) or ratio"),
  v.check((m) => !(m.column && m.expr), "A metric takes a column or an expr, not both"),
  v.check((m) => !m.ratio || (!m.column && !m.expr), "A ratio takes no column or expr of its own"),
  v.check((m) => !m.fn || m.fn === "count" || m.column !== undefined || m.expr !== undefined, "Every metric but count needs a column or an expr"),
);

const FilterValueSchema = v.union([v.string(), v.number(), v.boolean()]);

/** Keeps only the silver rows that pass: `{ column, in: [...] }` or `{ column, op, value }`; values are bound, never SQL text. */
export const FilterSchema = v.union([
  v.strictObject({ column: IdentifierSchema, in: v.pipe(v.array(FilterValueSchema), v.minLength(1), v.maxLength(1000)) }),
  v.strictObject({ column: IdentifierSchema, op: v.picklist(["=", "!=", "<", "<=", ">", ">="]), value: FilterValueSchema }),
]);

/** The time grains of a gold model: its partitions, and the silver rows each is computed from. */
export const GRAINS = ["day", "month", "year"] as const;

/** A gold model: silver rows of one dataset, filtered, grouped and aggregated per partition of its grain. */
export const GoldModelSchema = v.pipe(
  v.strictObject({
    name: IdentifierSchema,
    dataset: IdentifierSchema,
    /** `day` (default): `year=/month=/day=` partitions; `month` and `year` recompute a whole month or year from its silver rows. */
    grain: v.optional(v.picklist(GRAINS), "day"),
    where: v.optional(v.array(FilterSchema), []),
    groupBy: v.array(IdentifierSchema),
    metrics: v.pipe(v.array(MetricSchema), v.minLength(1)),
  }),
  v.check((m) => new Set([...m.groupBy, ...m.metrics.map((x) => x.name)]).size === m.groupBy.length + m.metrics.length, "Group columns and metric names must all differ"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const aggregates = new Set(dataset.value.metrics.filter((m) => !m.ratio).map((m) => m.name));
    for (const m of dataset.value.metrics) {
      if (!m.ratio) continue;
      for (const part of [m.ratio.numerator, m.ratio.denominator]) {
        if (!aggregates.has(part)) addIssue({ message: `Ratio ${m.name} divides ${part}, which is not an aggregate metric of this model` });
      }
    }
  }),
);

/** A validated gold model. */
export type GoldModel = v.InferOutput<typeof GoldModelSchema>;
/** A validated metric. */
export type Metric = v.InferOutput<typeof MetricSchema>;
/** An aggregate metric. */
export type AggregateMetric = Metric & { fn: NonNullable<Metric["fn"]> };
/** Whether a metric is an aggregate (not a ratio). */
export function isAggregate(m: Metric): m is AggregateMetric {
  return m.fn !== undefined;
}
/** A ratio metric. */
export type RatioMetric = Metric & { ratio: NonNullable<Metric["ratio"]> };
/** A row filter. */
export type Filter = v.InferOutput<typeof FilterSchema>;
/** A model's time grain. */
export type Grain = (typeof GRAINS)[number];
