import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { GoldModel } from "../config/goldModel.ts";
import type { Engine } from "../engine/engine.ts";
import { quoteIdent, quoteLiteral } from "../engine/sql.ts";
import { compileModel } from "./compileModel.ts";

/**
 * Computes one gold partition from all the silver files of that day partition and writes it as a
 * single Parquet file; returns its row count. The caller publishes it with one PUT.
 */
export async function buildGold(engine: Engine, model: GoldModel, silverFiles: readonly string[], outFile: string): Promise<number> {
  const relation = `read_parquet([${silverFiles.map(quoteLiteral).join(", ")}], union_by_name = true)`;
  mkdirSync(dirname(outFile), { recursive: true });
  // The config was checked against the dataset when loaded: a failure here is a bug, not the file's fault.
  const sql = await bigintSums(engine, compileModel(model, relation));
  const [{ Count }] = await engine.rows<{ Count: bigint }>(`COPY (${sql}) TO ${quoteLiteral(outFile)} (FORMAT parquet, COMPRESSION zstd)`);
  return Number(Count);
}

/**
 * DuckDB sums integers as HUGEINT, which Parquet can only hold as DOUBLE. Integer metrics are
 * stored as BIGINT (DESIGN.md), and a sum too large for it fails loudly instead of rounding.
 */
async function bigintSums(engine: Engine, sql: string): Promise<string> {
  const described = await engine.rows<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`);
  const huge = described.filter((c) => c.column_type === "HUGEINT").map((c) => quoteIdent(c.column_name));
  return huge.length ? `SELECT * REPLACE (${huge.map((c) => `CAST(${c} AS BIGINT) AS ${c}`).join(", ")}) FROM (${sql})` : sql;
}
