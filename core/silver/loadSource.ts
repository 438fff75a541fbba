import { listValue } from "@duckdb/node-api";
import { MalformedFileError, EmptyFileError } from "../errors.ts";
import type { DataFormat } from "../format/sniffFormat.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteIdent, quoteLiteral } from "../engine/sql.ts";
import { normalizeNames } from "../naming/normalizeName.ts";

/** A column as read from the file: its header, its silver name and the type the reader gave it. */
export type SourceColumn = { original: string; name: string; sourceType: string };

/** The table `loadSource` creates: every input row, with `__row` its 1-based position in the file. */
export const SOURCE_TABLE = "src";

type Described = { column_name: string; column_type: string };

const NESTED = /^(STRUCT|MAP|UNION)\(|\[\d*\]$/;

/** The table function that reads a format; `$1` is the path, `columns` pins JSON columns to text. */
function reader(format: DataFormat, jsonColumns?: readonly Described[]): string {
  switch (format) {
    case "csv":
      // All text: the pipeline types columns itself, so a bad value is quarantined, not a failed read.
      return "read_csv($1, all_varchar = true, header = true, auto_detect = true)";
    case "json":
    case "ndjson": {
      const shape = format === "json" ? "auto" : "newline_delimited";
      if (!jsonColumns) return `read_json($1, format = '${shape}')`;
      // Values as their JSON text, like CSV: big integers stay exact, and types are inferred the same way.
      const columns = jsonColumns.map((c) => `${quoteLiteral(c.column_name)}: '${NESTED.test(c.column_type) ? "JSON" : "VARCHAR"}'`);
      return `read_json($1, format = '${shape}', columns = {${columns.join(", ")}})`;
    }
    case "parquet":
      return "read_parquet($1)";
  }
}

/**
 * Loads a local file into the source table with normalized column names, text trimmed and the
 * dataset's NULL tokens turned into NULL, in one pass. Nested JSON values are kept as JSON text
 * until flattening is configured. `fileName` names the file in errors.
 */
export async function loadSource(
  engine: Engine,
  input: { path: string; format: DataFormat; fileName: string; nullValues: readonly string[] },
): Promise<SourceColumn[]> {
  const { path, format, fileName } = input;
  const fail = (error: unknown) =>
    new MalformedFileError(`${fileName} could not be read as ${format}: ${firstLine(error)}`, { cause: error });

  let described: Described[];
  try {
    described = await engine.rows<Described>(`DESCRIBE SELECT * FROM ${reader(format)}`, [path]);
    if (format === "json" || format === "ndjson") {
      described = await engine.rows<Described>(`DESCRIBE SELECT * FROM ${reader(format, described)}`, [path]);
    }
  } catch (error) {
    throw fail(error);
  }
  const names = normalizeNames(described.map((c) => c.column_name));
  const columns = described.map((c, i) => ({
    original: c.column_name,
    name: names[i],
    sourceType: c.column_type === "JSON" ? "VARCHAR" : c.column_type,
  }));

  const params = new Params();
  params.add(path);
  let tokens: string | undefined;
  const select = columns.map((c) => {
    const source = quoteIdent(c.original);
    if (c.sourceType !== "VARCHAR") return `${source} AS ${quoteIdent(c.name)}`;
    tokens ??= params.add(listValue([...input.nullValues]));
    const text = `trim(CAST(${source} AS VARCHAR))`;
    return `CASE WHEN list_contains(${tokens}, ${text}) THEN NULL ELSE ${text} END AS ${quoteIdent(c.name)}`;
  });
  try {
    // `__row` must be the position in the file (first occurrence wins, quarantine cites it): keep scan order here.
    await engine.run("SET preserve_insertion_order = true");
    await engine.run(
      `CREATE TABLE ${SOURCE_TABLE} AS SELECT row_number() OVER () AS __row, ${select.join(", ")} FROM ${reader(format, described)}`,
      params.values,
    );
  } catch (error) {
    throw fail(error);
  } finally {
    await engine.run("SET preserve_insertion_order = false");
  }
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${SOURCE_TABLE}`);
  if (n === 0n) throw new EmptyFileError(`${fileName} has no data rows`);
  return columns;
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split("\n")[0].slice(0, 500);
}
