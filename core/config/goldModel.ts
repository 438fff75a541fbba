import * as v from "valibot";
import { IdentifierSchema } from "./identifier.ts";

/** One aggregate of a gold model: `count` needs no column, the others do. */
export const MetricSchema = v.pipe(
  v.strictObject({
    name: IdentifierSchema,
    fn: v.picklist(["sum", "avg", "min", "max", "count", "count_distinct"]),
    column: v.optional(IdentifierSchema),
  }),
  v.check((m) => m.fn === "count" || m.column !== undefined, "Every metric but count needs a column"),
);

/** A gold model: silver rows of one dataset grouped and aggregated, recomputed per day partition. */
export const GoldModelSchema = v.strictObject({
  name: IdentifierSchema,
  dataset: IdentifierSchema,
  groupBy: v.array(IdentifierSchema),
  metrics: v.pipe(v.array(MetricSchema), v.minLength(1)),
});

/** A validated gold model. */
export type GoldModel = v.InferOutput<typeof GoldModelSchema>;
/** A validated metric. */
export type Metric = v.InferOutput<typeof MetricSchema>;
