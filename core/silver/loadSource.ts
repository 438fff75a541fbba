import { listValue } from "@duckdb/node-api";
import { MalformedFileError, EmptyFileError } from "../errors.ts";
import type { DataFormat } from "../format/sniffFormat.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteIdent, quoteLiteral } from "../engine/sql.ts";
import { normalizeNames } from "../naming/normalizeName.ts";

/** A column as read from the file: its header, its silver name and the type the reader gave it. */
export type SourceColumn = { original: string; name: string; sourceType: string };

/** How a CSV file is written, as detected (or as the dataset declared it). */
export type CsvDialect = { delimiter: string; quote: string; escape: string; newline: string; header: boolean };

/** What `loadSource` found. */
export type LoadedSource = { columns: SourceColumn[]; dialect?: CsvDialect };

/** The table `loadSource` creates: every input row, with `__row` its 1-based position in the file. */
export const SOURCE_TABLE = "src";

type Described = { column_name: string; column_type: string };

const NESTED = /^(STRUCT|MAP|UNION)\(|\[\d*\]$/;

/** The options `loadSource` reads a file with. */
export type LoadInput = {
  path: string;
  format: DataFormat;
  fileName: string;
  nullValues: readonly string[];
  csv?: { header?: boolean; delimiter?: string };
};

/**
 * Loads a local UTF-8 file into the source table with normalized column names, text trimmed and
 * the dataset's NULL tokens turned into NULL, in one pass. CSV is read as text (the pipeline types
 * it, so a bad value is quarantined, not a failed read) in the dialect DuckDB's sniffer detects
 * or the dataset declares; JSON values come as their JSON text for the same reason, nested ones
 * as JSON documents. `fileName` names the file in errors.
 */
export async function loadSource(engine: Engine, input: LoadInput): Promise<LoadedSource> {
  const { format, fileName } = input;
  const fail = (error: unknown) =>
    new MalformedFileError(`${fileName} could not be read as ${format}: ${firstLine(error)}`, { cause: error });

  const params = new Params();
  params.add(input.path);
  let dialect: CsvDialect | undefined;
  let reader: string;
  let described: Described[];
  try {
    if (format === "csv") {
      dialect = await sniffDialect(engine, input);
      const options = [
        `delim = ${params.add(dialect.delimiter)}`,
        `header = ${params.add(dialect.header)}`,
        ...(dialect.quote ? [`quote = ${params.add(dialect.quote)}`] : []),
        ...(dialect.escape ? [`escape = ${params.add(dialect.escape)}`] : []),
      ];
      reader = `read_csv($1, all_varchar = true, auto_detect = true, ${options.join(", ")})`;
    } else if (format === "parquet") {
      reader = "read_parquet($1)";
    } else {
      const shape = format === "json" ? "auto" : "newline_delimited";
      const auto = await engine.rows<Described>(`DESCRIBE SELECT * FROM read_json($1, format = '${shape}')`, [input.path]);
      const pinned = auto.map((c) => `${quoteLiteral(c.column_name)}: '${NESTED.test(c.column_type) ? "JSON" : "VARCHAR"}'`);
      reader = `read_json($1, format = '${shape}', columns = {${pinned.join(", ")}})`;
    }
    described = await engine.rows<Described>(`DESCRIBE SELECT * FROM ${reader}`, params.values);
  } catch (error) {
    throw fail(error);
  }
  // A headerless CSV gets DuckDB's column0, column1…: number them from 1 like empty headers.
  const headers = dialect && !dialect.header ? described.map(() => "") : described.map((c) => c.column_name);
  const names = normalizeNames(headers);
  const columns = described.map((c, i) => ({
    original: headers[i] || `column_${i + 1}`,
    name: names[i],
    sourceType: c.column_type === "JSON" ? "VARCHAR" : c.column_type,
    source: c.column_name,
  }));

  let tokens: string | undefined;
  const select = columns.map((c) => {
    const source = quoteIdent(c.source);
    if (c.sourceType !== "VARCHAR") return `${source} AS ${quoteIdent(c.name)}`;
    tokens ??= params.add(listValue([...input.nullValues]));
    const text = `trim(CAST(${source} AS VARCHAR))`;
    return `CASE WHEN list_contains(${tokens}, ${text}) THEN NULL ELSE ${text} END AS ${quoteIdent(c.name)}`;
  });
  try {
    // `__row` must be the position in the file (first occurrence wins, quarantine cites it): keep scan order here.
    await engine.run("SET preserve_insertion_order = true");
    await engine.run(
      `CREATE TABLE ${SOURCE_TABLE} AS SELECT row_number() OVER () AS __row, ${select.join(", ")} FROM ${reader}`,
      params.values,
    );
  } catch (error) {
    throw fail(error);
  } finally {
    await engine.run("SET preserve_insertion_order = false");
  }
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${SOURCE_TABLE}`);
  if (n === 0n) throw new EmptyFileError(`${fileName} has no data rows`);
  return { columns: columns.map(({ source: _, ...c }) => c), dialect };
}

/** DuckDB's sniffer on the file, overridden by what the dataset declares. */
async function sniffDialect(engine: Engine, input: LoadInput): Promise<CsvDialect> {
  const [sniffed] = await engine.rows<Record<string, unknown>>(
    `SELECT Delimiter, Quote, Escape, NewLineDelimiter, HasHeader FROM sniff_csv($1, all_varchar = true${
      input.csv?.delimiter ? ", delim = $2" : ""
    })`,
    input.csv?.delimiter ? [input.path, input.csv.delimiter] : [input.path],
  );
  const text = (v: unknown) => (v === "(empty)" || v === undefined ? "" : String(v));
  return {
    delimiter: input.csv?.delimiter ?? text(sniffed.Delimiter),
    quote: text(sniffed.Quote),
    escape: text(sniffed.Escape),
    newline: text(sniffed.NewLineDelimiter),
    header: input.csv?.header ?? Boolean(sniffed.HasHeader),
  };
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split("\n")[0].slice(0, 500);
}
