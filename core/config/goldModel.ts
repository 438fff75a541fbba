import * as v from "valibot";

const Identifier = v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_]*$/, "Expected a lower snake_case name"), v.maxLength(128));

/** One aggregate of a gold model: `count` needs no column, the others do. */
export const MetricSchema = v.pipe(
  v.strictObject({
    name: Identifier,
    fn: v.picklist(["sum", "avg", "min", "max", "count", "count_distinct"]),
    column: v.optional(Identifier),
  }),
  v.check((m) => m.fn === "count" || m.column !== undefined, "Every metric but count needs a column"),
);

/** A gold model: silver rows of one dataset grouped and aggregated, recomputed per day partition. */
export const GoldModelSchema = v.strictObject({
  name: Identifier,
  dataset: Identifier,
  groupBy: v.array(Identifier),
  metrics: v.pipe(v.array(MetricSchema), v.minLength(1)),
});

/** A validated gold model. */
export type GoldModel = v.InferOutput<typeof GoldModelSchema>;
/** A validated metric. */
export type Metric = v.InferOutput<typeof MetricSchema>;
