import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { createViews, type LocalTable } from "./catalogViews.ts";

/**
 * A DuckDB in memory with one view per catalog table over the local lake, for the length of
 * `work`: what `etl query` and `etl dashboard` read through.
 */
export async function withLake<T>(tables: readonly LocalTable[], work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(":memory:", { threads: "2", autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
  const connection = await db.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    await createViews(connection, tables);
    return await work(connection);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}
