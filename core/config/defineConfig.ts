import * as v from "valibot";
import { DatasetSchema } from "./dataset.ts";
import { GoldModelSchema, type GoldModel } from "./goldModel.ts";

/** The whole user config: datasets, gold models, alert routing. */
export const EtlConfigSchema = v.pipe(
  v.strictObject({
    datasets: v.array(DatasetSchema),
    gold: v.optional(v.array(GoldModelSchema), []),
    alerts: v.optional(v.strictObject({ email: v.optional(v.pipe(v.string(), v.email())) }), {}),
    /** A file matching no dataset: `infer` one named after its folder (the default), or `reject` the file. */
    unmatched: v.optional(v.picklist(["infer", "reject"]), "infer"),
    /** The most datasets files may create by their folder names alone; a file that would add one more fails. */
    maxInferredDatasets: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 50),
  }),
  v.check((c) => new Set(c.datasets.map((d) => d.name)).size === c.datasets.length, "Dataset names must be unique"),
  v.check((c) => new Set(c.gold.map((g) => g.name)).size === c.gold.length, "Gold model names must be unique"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed) for (const problem of goldProblems(dataset.value)) addIssue({ message: problem });
  }),
);

const NUMERIC = /^(integer|double|decimal)/;

/**
 * A gold model must fit its dataset before any file arrives: its dataset exists, every column it
 * uses is declared, and sums and averages are of numbers. Found at run time, the same mistake
 * would fail every job of the dataset after silver was already written.
 */
function goldProblems(config: { datasets: { name: string; columns: Record<string, { type: string }> }[]; gold: GoldModel[] }): string[] {
  const problems: string[] = [];
  for (const model of config.gold) {
    const dataset = config.datasets.find((d) => d.name === model.dataset);
    if (!dataset) {
      problems.push(`Gold model ${model.name} reads dataset ${model.dataset}, which is not declared`);
      continue;
    }
    for (const column of [...model.groupBy, ...model.metrics.flatMap((m) => (m.column ? [m.column] : []))]) {
      if (!dataset.columns[column]) problems.push(`Gold model ${model.name} uses column ${column}, which dataset ${dataset.name} does not declare`);
    }
    for (const m of model.metrics) {
      const type = m.column ? dataset.columns[m.column]?.type : undefined;
      if ((m.fn === "sum" || m.fn === "avg") && type && !NUMERIC.test(type)) {
        problems.push(`Gold model ${model.name}: ${m.fn} of ${m.column} needs a number, but it is declared ${type}`);
      }
    }
  }
  return problems;
}

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
