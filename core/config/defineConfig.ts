import * as v from "valibot";
import { DatasetSchema } from "./dataset.ts";
import { GoldModelSchema } from "./goldModel.ts";

/** The whole user config: datasets, gold models, alert routing. */
export const EtlConfigSchema = v.pipe(
  v.strictObject({
    datasets: v.array(DatasetSchema),
    gold: v.optional(v.array(GoldModelSchema), []),
    alerts: v.optional(v.strictObject({ email: v.optional(v.pipe(v.string(), v.email())) }), {}),
  }),
  v.check((c) => new Set(c.datasets.map((d) => d.name)).size === c.datasets.length, "Dataset names must be unique"),
  v.check((c) => new Set(c.gold.map((g) => g.name)).size === c.gold.length, "Gold model names must be unique"),
);

/** The config as the user writes it. */
export type EtlConfigInput = v.InferInput<typeof EtlConfigSchema>;
/** The validated config with defaults filled in. */
export type EtlConfig = v.InferOutput<typeof EtlConfigSchema>;

/** Validates a config at load time, naming every wrong field, so a typo never reaches a job. */
export function defineConfig(input: EtlConfigInput): EtlConfig {
  const result = v.safeParse(EtlConfigSchema, input);
  if (!result.success) {
    const lines = result.issues.map((i) => `  - ${v.getDotPath(i) ?? "(config)"}: ${i.message}`);
    throw new Error(`Invalid ETL config:\n${lines.join("\n")}`);
  }
  return result.output;
}
