import * as v from "valibot";
import { DatasetSchema } from "./dataset.ts";
import { closest, issueMessage } from "./configIssues.ts";
import { GoldModelSchema, type GoldModel } from "./goldModel.ts";

/** The whole user config: datasets, gold models, alert routing. */
export const EtlConfigSchema = v.pipe(
  v.strictObject({
    datasets: v.array(DatasetSchema),
    gold: v.optional(v.array(GoldModelSchema), []),
    alerts: v.optional(
      v.strictObject({
        email: v.optional(v.pipe(v.string(), v.email())),
        /** Success summaries: one per job (`all`, the default) or none; failures always alert. */
        success: v.optional(v.picklist(["all", "none"]), "all"),
      }),
      {},
    ),
  }),
  v.check((c) => new Set(c.datasets.map((d) => d.name)).size === c.datasets.length, "Dataset names must be unique"),
  v.check((c) => new Set(c.gold.map((g) => g.name)).size === c.gold.length, "Gold model names must be unique"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed) for (const problem of goldProblems(dataset.value)) addIssue({ message: problem });
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const p of columnTypos(dataset.value.datasets)) {
      const path = p.path.map((key) => ({ type: "object", origin: "value", input: {}, key, value: undefined }) as const);
      addIssue({ message: p.message, path: path as unknown as [v.IssuePathItem, ...v.IssuePathItem[]] });
    }
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

/**
 * A dedup key or eventTime that is not a declared column but is one letter or so away from one is
 * a typo in the config, not a column the files will bring: found here, it names the field and
 * the declared columns instead of failing every file for lacking a column.
 */
function columnTypos(datasets: { name: string; columns: Record<string, unknown>; dedupKeys?: string[]; eventTime?: string }[]) {
  const found: { path: (string | number)[]; message: string }[] = [];
  datasets.forEach((d, i) => {
    const declared = Object.keys(d.columns);
    const check = (column: string, path: (string | number)[]) => {
      if (declared.includes(column)) return;
      const guess = closest(column, declared);
      if (guess) {
        found.push({
          path: ["datasets", i, ...path],
          message: `${column} is not a declared column of ${d.name}; did you mean ${guess}? (declared: ${declared.join(", ")})`,
        });
      }
    };
    (d.dedupKeys ?? []).forEach((k, j) => check(k, ["dedupKeys", j]));
    if (d.eventTime) check(d.eventTime, ["eventTime"]);
  });
  return found;
}

/** The config as the user writes it. */
export type EtlConfigInput = v.InferInput<typeof EtlConfigSchema>;
/** The validated config with defaults filled in. */
export type EtlConfig = v.InferOutput<typeof EtlConfigSchema>;

/** Validates a config at load time, naming every wrong field, so a typo never reaches a job. */
export function defineConfig(input: EtlConfigInput): EtlConfig {
  const result = v.safeParse(EtlConfigSchema, input);
  if (!result.success) {
    const lines = [...new Set(result.issues.map((i) => `  - ${issueMessage(EtlConfigSchema, i)}`))];
    throw new Error(`Invalid ETL config:\n${lines.join("\n")}`);
  }
  return result.output;
}
