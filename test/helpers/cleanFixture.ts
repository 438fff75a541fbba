import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import * as v from "valibot";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import type { DataFormat } from "../../core/format/sniffFormat.ts";
import { cleanFile, type CleanResult } from "../../core/silver/cleanFile.ts";
import type { SchemaDocument } from "../../core/schema/schemaDocument.ts";
import { silverContext } from "./silverContext.ts";

type Row = Record<string, unknown>;

/** A dataset as the config would hold it, defaults filled in by valibot. */
export const dataset = (input: Record<string, unknown> = {}) => v.parse(DatasetSchema, { name: "things", match: ["things/**"], ...input });

/**
 * Cleans a file the test writes (its content, or a function writing it), in a temp folder of its
 * own, and reads the outputs back with a DuckDB instance independent of the engine under test.
 * `dispose` removes everything.
 */
export async function cleanFixture(
  name: string,
  content: string | Buffer | ((path: string) => Promise<void>),
  format: DataFormat,
  ds = dataset(),
  schema?: SchemaDocument,
) {
  const root = mkdtempSync(join(tmpdir(), "clean-fixture-"));
  const path = join(root, name);
  if (typeof content === "function") await content(path);
  else writeFileSync(path, content);
  const engine = await Engine.open({ scratchDir: join(root, "scratch"), threads: 1 });
  let result: CleanResult;
  try {
    result = await cleanFile(engine, { path, format, dataset: ds, ctx: silverContext(name), outDir: join(root, "out"), schema });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  } finally {
    engine.close();
  }
  const read = async (sql: string, file: string): Promise<Row[]> => {
    const db = await DuckDBInstance.create(":memory:", { threads: "1" });
    const c = await db.connect();
    try {
      return (await c.runAndReadAll(sql, [file])).getRowObjectsJS() as Row[];
    } finally {
      c.closeSync();
      db.closeSync();
    }
  };
  return {
    result,
    /** Silver rows (without hive columns) ordered by `orderBy`. */
    silver: (orderBy: string) =>
      read(`SELECT * FROM read_parquet($1, hive_partitioning = false) ORDER BY ${orderBy}`, `${result.silverDir}/**/*.parquet`),
    quarantine: async () => (result.quarantineFile ? read(`SELECT * FROM read_parquet($1) ORDER BY _row_number`, result.quarantineFile) : []),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
