import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "@aws-sdk/client-glue";
import { duckdbType } from "../../core/catalog/hiveType.ts";
import type { TableDefinition } from "../../core/catalog/tables.ts";
import { quoteIdent, quoteLiteral } from "../../core/engine/sql.ts";
import { tableDefinition } from "../../core/io/glueCatalog.ts";
import { localCatalogDir } from "../glue/glueServer.ts";

/** A catalog table as `etl query` serves it: its definition and how many files it has now. */
export type LocalTable = TableDefinition & { files: number; localDir: string };

/** The tables the pipeline registered in a state directory's catalog (every database), by name. */
export function readLocalCatalog(stateDir: string): LocalTable[] | undefined {
  const root = localCatalogDir(stateDir);
  if (!existsSync(root)) return undefined;
  const tables: LocalTable[] = [];
  for (const db of readdirSync(root).sort()) {
    for (const file of readdirSync(join(root, db)).filter((f) => f.endsWith(".json")).sort()) {
      const t = tableDefinition(JSON.parse(readFileSync(join(root, db, file), "utf8")) as Table);
      const localDir = localPath(stateDir, t.location);
      tables.push({ ...t, localDir, files: filesOf(t, localDir).length });
    }
  }
  return tables;
}

/** `s3://bucket/prefix/` → `<state-dir>/lake/bucket/prefix/`: the plain-file view of the local buckets. */
function localPath(stateDir: string, location: string): string {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
  if (!m || m[2].split("/").some((p) => p === "..")) throw new Error(`Unexpected table location ${location}`);
  return join(stateDir, "lake", m[1], m[2]);
}

const EXTENSION = { parquet: ".parquet", json: ".json" } as const;

/**
 * The data files of a table: exactly the layout its partition keys describe
 * (`year=*\/month=*\/day=*\/*.parquet` for a day-partitioned table), as Athena's projection
 * would find them, so nothing else under the prefix is read.
 */
function filesOf(t: TableDefinition, dir: string): string[] {
  let level = [dir];
  for (const key of t.partitionKeys) {
    level = level.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((e) => e.startsWith(`${key.name}=`)).map((e) => join(d, e)) : []));
  }
  return level.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith(EXTENSION[t.format])).map((f) => join(d, f)) : []));
}

function pattern(t: LocalTable): string {
  return join(t.localDir, ...t.partitionKeys.map((k) => `${k.name}=*`), `*${EXTENSION[t.format]}`);
}

/**
 * Creates one view per table, named as in Athena, with exactly the catalog's columns and types:
 * partition columns from the paths (integers, as projected), columns no file has yet as NULLs,
 * and a table with no files as an empty relation of its columns.
 */
export async function createViews(connection: DuckDBConnection, tables: readonly LocalTable[]): Promise<void> {
  for (const t of tables) {
    const all = [...t.columns, ...t.partitionKeys];
    let source: string | undefined;
    let present = new Set<string>();
    if (t.files) {
      const hiveTypes = `{${t.partitionKeys.map((k) => `${quoteLiteral(k.name)}: ${quoteLiteral(duckdbType(k.type))}`).join(", ")}}`;
      const partitioning = t.partitionKeys.length ? `, hive_partitioning = true, hive_types = ${hiveTypes}` : ", hive_partitioning = false";
      source =
        t.format === "parquet"
          ? `read_parquet(${quoteLiteral(pattern(t))}, union_by_name = true${partitioning})`
          : `read_json(${quoteLiteral(pattern(t))}, format = 'newline_delimited', columns = {${t.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(duckdbType(c.type))}`).join(", ")}}${partitioning})`;
      const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS() as { column_name: string }[];
      present = new Set(described.map((d) => d.column_name));
    }
    const select = all.map((c) => `CAST(${present.has(c.name) ? quoteIdent(c.name) : "NULL"} AS ${duckdbType(c.type)}) AS ${quoteIdent(c.name)}`);
    const body = source ? `SELECT ${select.join(", ")} FROM ${source}` : `SELECT ${select.join(", ")} WHERE false`;
    await connection.run(`CREATE OR REPLACE VIEW ${quoteIdent(t.name)} AS ${body}`);
  }
}
