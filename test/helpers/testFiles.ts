import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";

/**
 * What a test file of core/silver needs around each case: a temp folder of its own (`root`, new
 * for every test and removed after it) and one DuckDB connection independent of the engine under
 * test (`reader`), to read what the pipeline wrote.
 */
export function useTestFiles(prefix: string): { root: string; reader: DuckDBConnection } {
  const kit = { root: "", reader: undefined as unknown as DuckDBConnection };
  let db: DuckDBInstance;
  beforeAll(async () => {
    db = await DuckDBInstance.create(":memory:", { threads: "1" });
    kit.reader = await db.connect();
  });
  afterAll(() => {
    kit.reader.closeSync();
    db.closeSync();
  });
  beforeEach(() => {
    kit.root = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(kit.root, { recursive: true, force: true }));
  return kit;
}
