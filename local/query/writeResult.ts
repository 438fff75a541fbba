import type { Writable } from "node:stream";
import type { DuckDBResult } from "@duckdb/node-api";
import Table from "cli-table3";

/** How `etl query` prints a result. */
export type QueryFormat = "table" | "csv" | "json";

const NUMBER = /^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|DOUBLE|FLOAT|DECIMAL\(\d+,\d+\))$/;

function text(value: unknown): string {
  return value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
}

function csvField(value: unknown): string {
  const s = text(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A JSON value; numbers from DuckDB's exact text (BIGINT, DECIMAL) stay exact in the JSON. */
function jsonValue(value: unknown, numeric: boolean): string {
  if (numeric && typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return value;
  return JSON.stringify(value ?? null);
}

/**
 * Writes a result: CSV and JSON lines chunk by chunk as DuckDB yields them; the aligned table
 * needs every row to size its columns, so it is for looking, not for exporting millions of rows.
 * Returns the row count.
 */
export async function writeResult(result: DuckDBResult, format: QueryFormat, out: Writable): Promise<number> {
  const names = result.columnNames();
  const numeric = result.columnTypes().map((t) => NUMBER.test(String(t)));
  let count = 0;
  if (format === "csv") out.write(`${names.map(csvField).join(",")}\n`);
  const table = format === "table" ? new Table({ head: names, style: { head: [], border: [] }, chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" } }) : undefined;
  for await (const rows of result.yieldRowsJson()) {
    for (const row of rows) {
      count++;
      if (format === "csv") out.write(`${row.map(csvField).join(",")}\n`);
      else if (format === "json") out.write(`{${row.map((v, i) => `${JSON.stringify(names[i])}:${jsonValue(v, numeric[i])}`).join(",")}}\n`);
      else table!.push(row.map((v, i) => ({ content: v === null ? "NULL" : text(v), hAlign: numeric[i] ? "right" : "left" })));
    }
  }
  if (table) out.write(`${table.toString()}\n(${count} row${count === 1 ? "" : "s"})\n`);
  return count;
}
