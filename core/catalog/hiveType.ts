import { normalizeType } from "../gold/expressionType.ts";

const HIVE: Record<string, string> = {
  BIGINT: "bigint",
  INTEGER: "int",
  SMALLINT: "smallint",
  TINYINT: "tinyint",
  DOUBLE: "double",
  FLOAT: "float",
  VARCHAR: "string",
  BOOLEAN: "boolean",
  DATE: "date",
  // Parquet INT64 timestamps, adjusted to UTC: Athena reads both as timestamp.
  "TIMESTAMP WITH TIME ZONE": "timestamp",
  TIMESTAMP: "timestamp",
};

/** The Hive (Glue/Athena) type of a DuckDB type as the pipeline writes it to Parquet. */
export function hiveType(duckdbType: string): string {
  const type = normalizeType(duckdbType);
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  const hive = HIVE[type];
  if (!hive) throw new Error(`No catalog type for ${duckdbType}`);
  return hive;
}

const DUCKDB: Record<string, string> = {
  bigint: "BIGINT",
  int: "INTEGER",
  smallint: "SMALLINT",
  tinyint: "TINYINT",
  double: "DOUBLE",
  float: "FLOAT",
  string: "VARCHAR",
  boolean: "BOOLEAN",
  date: "DATE",
  timestamp: "TIMESTAMP WITH TIME ZONE",
};

/** The DuckDB type a local reader casts a catalog column to (the inverse of hiveType). */
export function duckdbType(hive: string): string {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(hive);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  const type = DUCKDB[hive];
  if (!type) throw new Error(`Unknown catalog type ${hive}`);
  return type;
}
