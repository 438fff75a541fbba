import type { DuckDBValue } from "@duckdb/node-api";

/** Quotes an identifier for DuckDB: column names come from strangers' files. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal, for text that SQL only accepts as a literal: the pipeline's own scratch
 * paths, and column names where DuckDB wants them as struct keys. Values from files and configs
 * go through `Params` instead.
 */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Collects the values of a statement so they travel as parameters, never as SQL text. */
export class Params {
  readonly values: DuckDBValue[] = [];

  /** Adds a value and returns its placeholder (`$1`, `$2`, …). */
  add(value: DuckDBValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
