import { MalformedFileError, EmptyFileError } from "../errors.ts";
import type { DataFormat } from "../format/sniffFormat.ts";
import type { Engine } from "../engine/engine.ts";
import { quoteIdent } from "../engine/sql.ts";
import { normalizeNames } from "../naming/normalizeName.ts";

/** A column as read from the file: its header, its silver name and the type the reader gave it. */
export type SourceColumn = { original: string; name: string; sourceType: string };

/** The table `loadSource` creates: every input row, with `__row` its 1-based position in the file. */
export const SOURCE_TABLE = "src";

function reader(format: DataFormat): string {
  switch (format) {
    case "csv":
      // All text: the pipeline types columns itself, so a bad value is quarantined, not a failed read.
      return "read_csv($1, all_varchar = true, header = true, auto_detect = true)";
    case "json":
      return "read_json($1, format = 'array')";
    case "ndjson":
      return "read_json($1, format = 'newline_delimited')";
    case "parquet":
      return "read_parquet($1)";
  }
}

const NESTED = /^(STRUCT|MAP|UNION)\(|\[\]$|\[\d+\]$/;

/**
 * Loads a local file into the source table with normalized column names. Nested JSON values are
 * kept as JSON text until flattening is configured. `fileName` names the file in errors.
 */
export async function loadSource(engine: Engine, path: string, format: DataFormat, fileName: string): Promise<SourceColumn[]> {
  let described: { column_name: string; column_type: string }[];
  try {
    described = await engine.rows(`DESCRIBE SELECT * FROM ${reader(format)}`, [path]);
  } catch (error) {
    throw new MalformedFileError(`${fileName} could not be read as ${format}: ${firstLine(error)}`, { cause: error });
  }
  const names = normalizeNames(described.map((c) => c.column_name));
  const columns = described.map((c, i) => ({ original: c.column_name, name: names[i], sourceType: c.column_type }));
  const select = columns.map((c) => {
    const source = quoteIdent(c.original);
    const value = NESTED.test(c.sourceType) ? `CAST(to_json(${source}) AS VARCHAR)` : source;
    return `${value} AS ${quoteIdent(c.name)}`;
  });
  try {
    await engine.run(
      `CREATE TABLE ${SOURCE_TABLE} AS SELECT row_number() OVER () AS __row, ${select.join(", ")} FROM ${reader(format)}`,
      [path],
    );
  } catch (error) {
    throw new MalformedFileError(`${fileName} could not be read as ${format}: ${firstLine(error)}`, { cause: error });
  }
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${SOURCE_TABLE}`);
  if (n === 0n) throw new EmptyFileError(`${fileName} has no data rows`);
  return columns.map((c) => ({ ...c, sourceType: NESTED.test(c.sourceType) ? "VARCHAR" : c.sourceType }));
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split("\n")[0].slice(0, 500);
}
