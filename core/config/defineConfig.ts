import * as v from "valibot";
import { DatasetSchema } from "./dataset.ts";
import { closest, issueMessage } from "./configIssues.ts";
import { GoldModelSchema, type GoldModel } from "./goldModel.ts";
import { sqlType, type ColumnType } from "./columnType.ts";
import { ExpressionError } from "../gold/expression.ts";
import { isNumeric, type ColumnTypes } from "../gold/expressionType.ts";
import { modelColumns } from "../gold/modelColumns.ts";

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
    /**
     * QuickSight over Athena (it needs a subscription, so it is opt-in): the user or group ARN
     * that owns the data source and datasets, and whether datasets query Athena directly or are
     * imported into SPICE.
     */
    quicksight: v.optional(
      v.strictObject({
        principalArn: v.pipe(v.string(), v.regex(/^arn:aws:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/.+$/, "Expected a QuickSight user or group ARN")),
        mode: v.optional(v.picklist(["direct", "spice"]), "direct"),
        /** In SPICE mode, the fewest minutes between two refreshes of one dataset (core/catalog/spiceRefresh.ts: the daily quota). */
        refreshMinutes: v.optional(v.pipe(v.number(), v.minValue(1)), 45),
      }),
    ),
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
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const p of columnTypos(dataset.value.datasets)) {
      const path = p.path.map((key) => ({ type: "object", origin: "value", input: {}, key, value: undefined }) as const);
      addIssue({ message: p.message, path: path as unknown as [v.IssuePathItem, ...v.IssuePathItem[]] });
    }
  }),
);

/** A dataset's declared columns with the DuckDB types silver stores them as. */
export function declaredTypes(dataset: { columns: Record<string, { type: ColumnType }> }): ColumnTypes {
  return Object.fromEntries(Object.entries(dataset.columns).map(([name, c]) => [name, sqlType(c.type)]));
}

/**
 * A gold model must fit its dataset before any file arrives: its dataset exists, every column it
 * uses is declared, expressions are typed (sums and averages of numbers, like compared with like)
 * and filter values fit their columns. Found at run time, the same mistake would fail every job
 * of the dataset after silver was already written.
 */
function goldProblems(config: { datasets: { name: string; columns: Record<string, { type: ColumnType }> }[]; gold: GoldModel[] }): string[] {
  const problems: string[] = [];
  for (const model of config.gold) {
    const dataset = config.datasets.find((d) => d.name === model.dataset);
    if (!dataset) {
      problems.push(`Gold model ${model.name} reads dataset ${model.dataset}, which is not declared`);
      continue;
    }
    const types = declaredTypes(dataset);
    for (const m of model.metrics) {
      try {
        modelColumns({ ...model, groupBy: [], metrics: [m] }, types);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        problems.push(`Gold model ${model.name}, metric ${m.name}: ${describe(error, dataset.name)}`);
      }
    }
    for (const column of model.groupBy) {
      if (!types[column]) problems.push(`Gold model ${model.name} uses column ${column}, which dataset ${dataset.name} does not declare`);
    }
    for (const f of model.where) {
      const type = types[f.column];
      if (!type) {
        problems.push(`Gold model ${model.name} filters on column ${f.column}, which dataset ${dataset.name} does not declare`);
        continue;
      }
      for (const value of "in" in f ? f.in : [f.value]) {
        if (!fitsType(value, type)) problems.push(`Gold model ${model.name}: filter value ${JSON.stringify(value)} does not fit column ${f.column} (${type})`);
      }
    }
  }
  return problems;
}

function describe(error: ExpressionError, dataset: string): string {
  return error.message.replace(/^unknown column (\S+)/, `uses column $1, which dataset ${dataset} does not declare`);
}

/** Numbers for numeric columns, booleans for booleans, text for the rest (dates as ISO text). */
function fitsType(value: string | number | boolean, type: string): boolean {
  if (isNumeric(type)) return typeof value === "number" && Number.isFinite(value);
  if (type === "BOOLEAN") return typeof value === "boolean";
  if (type === "DATE") return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
  return typeof value === "string";
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
