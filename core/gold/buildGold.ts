import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { GoldModel } from "../config/goldModel.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteLiteral } from "../engine/sql.ts";
import { compileModel } from "./compileModel.ts";
import { PARQUET_FORMAT } from "../engine/parquet.ts";

/**
 * Computes one gold partition from all the silver files of that partition (a day, a month or a
 * year, by the model's grain) and writes it as a single Parquet file; returns its row count. The
 * caller publishes it with one PUT.
 */
export async function buildGold(engine: Engine, model: GoldModel, silverFiles: readonly string[], outFile: string): Promise<number> {
  const relation = `read_parquet([${silverFiles.map(quoteLiteral).join(", ")}], union_by_name = true)`;
  mkdirSync(dirname(outFile), { recursive: true });
  const params = new Params();
  // The config was checked against the dataset when loaded: a failure here is a bug, not the file's fault.
  const sql = compileModel(model, relation, await columnTypes(engine, relation), params);
  const [{ Count }] = await engine.rows<{ Count: bigint }>(
    `COPY (${sql}) TO ${quoteLiteral(outFile)} (${PARQUET_FORMAT})`,
    params.values,
  );
  return Number(Count);
}

/**
 * The column holding a row's gold partition (its index in `partitions`) in `buildGoldPartitions`.
 * Silver's business columns never start with `_` (names are normalized) and its own columns have
 * one underscore, so the name is free.
 */
const PART = "__gold_part";
const FILE = "__silver_file";

/**
 * Computes one model for many gold partitions at once: one query over all their silver files,
 * grouped by partition as well, and one partitioned write, `<outDir>/__gold_part=<i>/part_0.parquet`
 * for `partitions[i]` (each file the same as `buildGold` writes for that partition alone: the
 * partition column is not written). The files of partition `i` sit in a folder of their own named
 * `i`, which is how a row's partition is known. Returns the file and row count of every partition
 * that has rows; a partition absent from the result had files but no row passed the model's filter.
 */
export async function buildGoldPartitions(
  engine: Engine,
  model: GoldModel,
  partitions: readonly (readonly string[])[],
  outDir: string,
): Promise<Map<number, { file: string; rows: number }>> {
  const files = partitions.flat();
  const read = `read_parquet([${files.map(quoteLiteral).join(", ")}], union_by_name = true, filename = ${quoteLiteral(FILE)})`;
  const relation = `(SELECT * EXCLUDE (${FILE}), CAST(regexp_extract(${FILE}, '/([0-9]+)/[^/]+$', 1) AS BIGINT) AS ${PART} FROM ${read})`;
  const params = new Params();
  // The partition is the first group: a model without groups gives one row per partition that has rows.
  const sql = compileModel({ ...model, groupBy: [PART, ...model.groupBy] }, relation, await columnTypes(engine, relation), params);
  mkdirSync(outDir, { recursive: true });
  // Each file keeps the groups' order, as `buildGold` writes it.
  await engine.run("SET preserve_insertion_order = true");
  try {
    await engine.run(
      `COPY (${sql}) TO ${quoteLiteral(outDir)} (${PARQUET_FORMAT}, PARTITION_BY (${PART}),
         FILENAME_PATTERN 'part_{i}', OVERWRITE_OR_IGNORE true)`,
      params.values,
    );
  } finally {
    await engine.run("SET preserve_insertion_order = false");
  }
  const written = await engine.rows<{ part: bigint; files: string[]; n: bigint }>(
    `SELECT ${PART} AS part, list(DISTINCT ${FILE}) AS files, count(*) AS n
     FROM read_parquet(${quoteLiteral(`${outDir}/**/*.parquet`)}, hive_partitioning = true, filename = ${quoteLiteral(FILE)}) GROUP BY ALL`,
  );
  return new Map(
    written.map((w) => {
      // The writer splits a partition only past a file size this statement does not set.
      if (w.files.length !== 1) throw new Error(`gold partition ${w.part} of ${model.name} was written as ${w.files.length} files`);
      return [Number(w.part), { file: w.files[0], rows: Number(w.n) }];
    }),
  );
}

/** Typed from the files themselves: silver stores every declared column in its declared type. */
async function columnTypes(engine: Engine, relation: string): Promise<Record<string, string>> {
  const described = await engine.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${relation}`);
  return Object.fromEntries(described.map((c) => [c.column_name, c.column_type]));
}
