import type { Writable } from "node:stream";
import { readLocalCatalog, type LocalTable } from "./catalogViews.ts";
import { withLake } from "./lakeConnection.ts";
import { writeResult, type QueryFormat } from "./writeResult.ts";

/** What `etl query` runs: SQL, or the table list, over a state directory. */
export type QueryRequest = { stateDir: string; sql?: string; tables?: boolean; format: QueryFormat; out: Writable; err: Writable };

/** The tables with their columns, catalog (Athena) types and files, as a query result prints them; values bound. */
function tablesQuery(tables: readonly LocalTable[]): { sql: string; params: string[] } {
  const params: string[] = [];
  const rows = tables.flatMap((t) =>
    [...t.columns.map((c) => [c, ""]), ...t.partitionKeys.map((c) => [c, "partition"])].map(([c, role]) => {
      const col = c as { name: string; type: string };
      params.push(t.name, col.name, col.type, role as string, String(t.files));
      const n = params.length;
      return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, CAST($${n} AS BIGINT))`;
    }),
  );
  return { sql: `SELECT * FROM (VALUES ${rows.join(", ")}) t("table", "column", "type", "key", "files")`, params };
}

/**
 * Runs SQL over the local lake with Athena's table names (`silver_<dataset>`, `gold_<model>`,
 * `quarantine_<dataset>`, `jobs`), as views over the plain files of the state directory typed by
 * the catalog the pipeline wrote there. Returns the exit code: 0, or 1 with DuckDB's message on
 * stderr for a SQL error (no stack trace).
 */
export async function runQuery(request: QueryRequest): Promise<number> {
  try {
    const tables = readLocalCatalog(request.stateDir);
    if (!tables) {
      request.err.write(`etl query: no catalog in ${request.stateDir} yet; run \`npx etl run <file>\` first\n`);
      return 1;
    }
    return await withLake(tables, async (connection) => {
      const { sql, params } = request.tables ? tablesQuery(tables) : { sql: request.sql!, params: [] };
      await writeResult(await connection.stream(sql, params), request.format, request.out);
      if (request.tables) request.err.write(emptyNote(tables));
      return 0;
    });
  } catch (error) {
    request.err.write(`${(error as Error).message}\n`);
    return 1;
  }
}

function emptyNote(tables: readonly LocalTable[]): string {
  const empty = tables.filter((t) => !t.files).map((t) => t.name);
  return empty.length ? `no files yet (queryable, empty): ${empty.join(", ")}\n` : "";
}
