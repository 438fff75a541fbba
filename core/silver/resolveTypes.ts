import type { Dataset } from "../config/dataset.ts";
import { sqlType } from "../config/columnType.ts";
import { ContractViolationError } from "../errors.ts";
import type { Engine } from "../engine/engine.ts";
import { quoteIdent } from "../engine/sql.ts";
import { inferenceCandidates, type Candidate, type NumberStyle } from "./castExpression.ts";
import type { SourceColumn } from "./loadSource.ts";

/** A column with the type silver stores it as, and the layout of its text when that was inferred. */
export type TypedColumn = SourceColumn & { type: string; format?: string };

/** Reader types folded into the stored ones (docs/design.md: integers BIGINT, instants in UTC). */
const WIDENED: Record<string, string> = {
  TINYINT: "BIGINT",
  SMALLINT: "BIGINT",
  INTEGER: "BIGINT",
  UTINYINT: "BIGINT",
  USMALLINT: "BIGINT",
  UINTEGER: "BIGINT",
  FLOAT: "DOUBLE",
  TIMESTAMP: "TIMESTAMPTZ",
  TIMESTAMP_NS: "TIMESTAMPTZ",
  TIMESTAMP_MS: "TIMESTAMPTZ",
  TIMESTAMP_S: "TIMESTAMPTZ",
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

/** Rows read to propose a type for each text column; every proposal is then checked on all rows. */
const SAMPLE_ROWS = 1_000;

/**
 * The stored type of every column: declared in the dataset, else the narrowest type that every
 * non-NULL text value fits, else the reader's own type. Every candidate is tried on the first rows
 * first, then only the candidates that survived are checked on the whole table, narrowest first:
 * the answer is the same as testing every candidate on every row, at a fraction of the cost.
 */
export async function resolveTypes(
  engine: Engine,
  dataset: Dataset,
  columns: readonly SourceColumn[],
  table: string,
  style: NumberStyle,
  position: string,
): Promise<TypedColumn[]> {
  const toInfer = columns.filter((c) => !dataset.columns[c.name] && c.sourceType === "VARCHAR");
  const inferred = new Map<string, { type: string; format?: string }>();
  if (toInfer.length) {
    const survivors = await sampleCandidates(engine, toInfer, table, position, inferenceCandidates(style));
    // Each round checks every column's narrowest surviving candidate on all rows in one scan.
    const pending = new Map(toInfer.map((c, i) => [c.name, survivors[i]]));
    for (const [name, left] of pending) {
      if (left.length) continue;
      // No candidate fits the sampled values: text keeps every value.
      inferred.set(name, { type: "VARCHAR" });
      pending.delete(name);
    }
    for (const name of await emptyColumns(engine, [...pending.keys()], table)) {
      // A column with no value at all: an event time stays usable (rows fall back to the ingestion date).
      inferred.set(name, { type: name === dataset.eventTime ? "DATE" : "VARCHAR" });
      pending.delete(name);
    }
    while (pending.size) {
      const checks = [...pending].map(([name, left]) => ({ name, candidate: left[0] }));
      const sql = checks.map((c, i) => `count_if(${quoteIdent(c.name)} IS NOT NULL AND NOT (${c.candidate.test(quoteIdent(c.name))})) AS "f${i}"`);
      const [misses] = await engine.rows<Record<string, bigint>>(`SELECT ${sql.join(", ")} FROM ${table}`);
      checks.forEach((c, i) => {
        const left = pending.get(c.name)!;
        if (misses[`f${i}`] === 0n) {
          inferred.set(c.name, { type: c.candidate.type, format: c.candidate.format });
          pending.delete(c.name);
        } else if (left.length > 1) pending.set(c.name, left.slice(1));
        else {
          inferred.set(c.name, { type: "VARCHAR" });
          pending.delete(c.name);
        }
      });
    }
  }
  return columns.map((c) => {
    const declared = dataset.columns[c.name];
    if (declared) return { ...c, type: sqlType(declared.type) };
    const guess = inferred.get(c.name);
    return guess ? { ...c, ...guess } : { ...c, type: WIDENED[c.sourceType] ?? c.sourceType };
  });
}

/** Columns without a single non-NULL value in the whole table. */
async function emptyColumns(engine: Engine, names: readonly string[], table: string): Promise<string[]> {
  if (!names.length) return [];
  const [counts] = await engine.rows<Record<string, bigint>>(
    `SELECT ${names.map((n, i) => `count(${quoteIdent(n)}) AS "n${i}"`).join(", ")} FROM ${table}`,
  );
  return names.filter((_, i) => counts[`n${i}`] === 0n);
}

/**
 * For each column, the candidates every sampled value passes, narrowest first. A column with no
 * value in the sample keeps every candidate: the whole-table checks decide.
 */
async function sampleCandidates(engine: Engine, columns: readonly SourceColumn[], table: string, position: string, candidates: Candidate[]) {
  const aggregates = columns.flatMap((c, i) => {
    const v = quoteIdent(c.name);
    return [`count(${v}) AS "n${i}"`, ...candidates.map((cand, j) => `count_if(${cand.test(v)}) AS "c${i}_${j}"`)];
  });
  const [counts] = await engine.rows<Record<string, bigint>>(
    `SELECT ${aggregates.join(", ")} FROM ${table} WHERE ${position} <= ${SAMPLE_ROWS}`,
  );
  return columns.map((_, i) => candidates.filter((_, j) => counts[`c${i}_${j}`] === counts[`n${i}`]));
}
