import * as v from "valibot";

/** The column types a dataset may declare, named for people; `sqlType` maps them to DuckDB/Parquet. */
export const ColumnTypeSchema = v.union([
  v.picklist(["string", "integer", "double", "boolean", "date", "timestamp"]),
  v.pipe(v.string(), v.regex(/^decimal\(\d{1,2},\d{1,2}\)$/, 'Expected a type like "decimal(18,2)"')),
]);

/** A declared column type. */
export type ColumnType = v.InferOutput<typeof ColumnTypeSchema>;

const SQL_TYPES: Record<string, string> = {
  string: "VARCHAR",
  integer: "BIGINT",
  double: "DOUBLE",
  boolean: "BOOLEAN",
  date: "DATE",
  // Instants are stored in UTC (Parquet isAdjustedToUTC=true), docs/design.md conventions.
  timestamp: "TIMESTAMPTZ",
};

/** The DuckDB type a declared column type is stored as. */
export function sqlType(type: ColumnType): string {
  return SQL_TYPES[type] ?? type.toUpperCase();
}
