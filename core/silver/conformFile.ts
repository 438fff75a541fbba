import type { Engine } from "../engine/engine.ts";
import { quoteIdent, quoteLiteral } from "../engine/sql.ts";
import { ContractViolationError } from "../errors.ts";
import { PARQUET_FORMAT } from "../engine/parquet.ts";

/**
 * Rewrites one local silver Parquet file with the given columns cast to their current schema
 * types (`types`: silver name → DuckDB type), every other column and the row order kept as they
 * are. Returns false, writing nothing, when the file already has those types. A value the new
 * type cannot hold (a declared column redeclared to a narrower type) is never NULLed: the
 * rewrite fails naming the column, and the file stays as it was.
 */
export async function conformFile(engine: Engine, input: string, output: string, types: ReadonlyMap<string, string>, name: string): Promise<boolean> {
  const file = quoteLiteral(input);
  const described = await engine.rows<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM read_parquet(${file}, hive_partitioning = false)`,
  );
  const present = described.filter((c) => types.has(c.column_name));
  if (!present.length) return false;
  // DuckDB names a type its own way (TIMESTAMPTZ is TIMESTAMP WITH TIME ZONE): compare its names.
  const [wanted] = await engine.rows<Record<string, string>>(
    `SELECT ${present.map((c, i) => `typeof(CAST(NULL AS ${types.get(c.column_name)})) AS "t${i}"`).join(", ")}`,
  );
  const cast = new Set(present.filter((c, i) => wanted[`t${i}`] !== c.column_type).map((c) => c.column_name));
  if (!cast.size) return false;
  const select = described.map((c) => {
    const q = quoteIdent(c.column_name);
    return cast.has(c.column_name) ? `CAST(${q} AS ${types.get(c.column_name)}) AS ${q}` : q;
  });
  try {
    await engine.run(
      `COPY (SELECT ${select.join(", ")} FROM read_parquet(${file}, hive_partitioning = false)) TO ${quoteLiteral(output)} (${PARQUET_FORMAT})`,
    );
  } catch (error) {
    if (!/Conversion Error|Could not convert/i.test(String(error))) throw error;
    throw new ContractViolationError(
      `silver file ${name} holds values that do not fit the dataset's new column types (${[...cast].map((c) => `${c} ${types.get(c)}`).join(", ")}): ` +
        `${String((error as Error).message).split("\n")[0]}; declare the earlier type again, or upload those sources again`,
      { cause: error },
    );
  }
  return true;
}
