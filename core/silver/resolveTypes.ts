import type { Dataset } from "../config/dataset.ts";
import { sqlType } from "../config/columnType.ts";
import { ContractViolationError } from "../errors.ts";
import type { Engine } from "../engine/engine.ts";
import { quoteIdent } from "../engine/sql.ts";
import { INFERENCE_CANDIDATES } from "./castExpression.ts";
import type { SourceColumn } from "./loadSource.ts";

/** A column with the type silver stores it as. */
export type TypedColumn = SourceColumn & { type: string };

/** Reader types folded into the stored ones (DESIGN.md: integers BIGINT, instants in UTC). */
const WIDENED: Record<string, string> = {
  TINYINT: "BIGINT",
  SMALLINT: "BIGINT",
  INTEGER: "BIGINT",
  UTINYINT: "BIGINT",
  USMALLINT: "BIGINT",
  UINTEGER: "BIGINT",
  FLOAT: "DOUBLE",
  TIMESTAMP: "TIMESTAMPTZ",
  "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
};

/** Fails the file when it lacks a column its dataset's contract needs. */
export function checkContract(dataset: Dataset, columns: readonly SourceColumn[], fileName: string): void {
  const present = new Set(columns.map((c) => c.name));
  const needed = [
    ...Object.entries(dataset.columns)
      .filter(([, c]) => c.required)
      .map(([name]) => name),
    ...(dataset.eventTime ? [dataset.eventTime] : []),
    ...(dataset.dedupKeys ?? []),
  ];
  const missing = [...new Set(needed)].filter((n) => !present.has(n));
  if (missing.length) {
    throw new ContractViolationError(
      `${fileName} lacks column(s) ${missing.join(", ")} required by dataset ${dataset.name}; it has ${[...present].join(", ")}`,
    );
  }
}

/**
 * The stored type of every column: declared in the dataset, else the narrowest type that every
 * non-NULL text value fits (one pass over the data), else the reader's own type.
 * `view` is a relation with the columns after NULL tokens became NULL.
 */
export async function resolveTypes(
  engine: Engine,
  dataset: Dataset,
  columns: readonly SourceColumn[],
  view: string,
): Promise<TypedColumn[]> {
  const toInfer = columns.filter((c) => !dataset.columns[c.name] && c.sourceType === "VARCHAR");
  const inferred = new Map<string, string>();
  if (toInfer.length) {
    const aggregates = toInfer.flatMap((c, i) => {
      const v = quoteIdent(c.name);
      return [
        `count(${v}) AS "n${i}"`,
        ...INFERENCE_CANDIDATES.map((cand, j) => `count_if(${cand.test(v)}) AS "c${i}_${j}"`),
      ];
    });
    const [counts] = await engine.rows<Record<string, bigint>>(`SELECT ${aggregates.join(", ")} FROM ${view}`);
    toInfer.forEach((c, i) => {
      const n = counts[`n${i}`];
      const hit = n > 0n ? INFERENCE_CANDIDATES.find((_, j) => counts[`c${i}_${j}`] === n) : undefined;
      inferred.set(c.name, hit?.type ?? "VARCHAR");
    });
  }
  return columns.map((c) => {
    const declared = dataset.columns[c.name];
    const type = declared ? sqlType(declared.type) : (inferred.get(c.name) ?? WIDENED[c.sourceType] ?? c.sourceType);
    return { ...c, type };
  });
}
