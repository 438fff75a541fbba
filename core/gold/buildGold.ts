import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { GoldModel } from "../config/goldModel.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteLiteral } from "../engine/sql.ts";
import { compileModel } from "./compileModel.ts";

/**
 * Computes one gold partition from all the silver files of that partition (a day, a month or a
 * year, by the model's grain) and writes it as a single Parquet file; returns its row count. The
 * caller publishes it with one PUT.
 */
export async function buildGold(engine: Engine, model: GoldModel, silverFiles: readonly string[], outFile: string): Promise<number> {
  const relation = `read_parquet([${silverFiles.map(quoteLiteral).join(", ")}], union_by_name = true)`;
  mkdirSync(dirname(outFile), { recursive: true });
  // Typed from the files themselves: silver stores every declared column in its declared type.
  const described = await engine.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${relation}`);
  const columns = Object.fromEntries(described.map((c) => [c.column_name, c.column_type]));
  const params = new Params();
  // The config was checked against the dataset when loaded: a failure here is a bug, not the file's fault.
  const sql = compileModel(model, relation, columns, params);
  const [{ Count }] = await engine.rows<{ Count: bigint }>(
    `COPY (${sql}) TO ${quoteLiteral(outFile)} (FORMAT parquet, COMPRESSION zstd)`,
    params.values,
  );
  return Number(Count);
}
