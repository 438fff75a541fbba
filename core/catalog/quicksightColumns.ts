import type { CatalogColumn } from "./tables.ts";

/** QuickSight's input column types for the catalog's Hive types. */
export function quicksightType(hive: string): "STRING" | "INTEGER" | "DECIMAL" | "DATETIME" | "BOOLEAN" {
  if (/^(bigint|int|smallint|tinyint)$/.test(hive)) return "INTEGER";
  if (/^(double|float|decimal\(\d+,\d+\))$/.test(hive)) return "DECIMAL";
  if (hive === "date" || hive === "timestamp") return "DATETIME";
  if (hive === "boolean") return "BOOLEAN";
  return "STRING";
}

/** A table's columns (partition keys included, they are columns in Athena) as QuickSight dataset input columns. */
export function quicksightColumns(columns: readonly CatalogColumn[]): { name: string; type: string }[] {
  return columns.map((c) => ({ name: c.name, type: quicksightType(c.type) }));
}
