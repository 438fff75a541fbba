import { listValue } from "@duckdb/node-api";
import { ContractViolationError, MalformedFileError, EmptyFileError } from "../errors.ts";
import type { DataFormat } from "../format/sniffFormat.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteIdent, quoteLiteral } from "../engine/sql.ts";
import { normalizeNames } from "../naming/normalizeName.ts";
import { jsonLeaves, jsonPointer } from "./flattenJson.ts";

/** A column as read from the file: its header, its silver name and the type the reader gave it. */
export type SourceColumn = { original: string; name: string; sourceType: string };

/** How a CSV file is written, as detected (or as the dataset declared it). */
export type CsvDialect = { delimiter: string; quote: string; escape: string; newline: string; header: boolean };

/** What `loadSource` found; `rows` is counted as the file is read, before any step can lose one. */
export type LoadedSource = { columns: SourceColumn[]; dialect?: CsvDialect; rows: number };

/** The table `loadSource` creates: every input row, stored in file order. */
export const SOURCE_TABLE = "src";

/**
 * A source row's 1-based position in the file. The table is written in file order, so its row id
 * is the position: no window over the whole file is needed to number the rows.
 */
export const FILE_POSITION = "(rowid + 1)";

type Described = { column_name: string; column_type: string };

const NESTED = /^(STRUCT|MAP|UNION)\(|\[\d*\]$/;

/** Columns a file may have: the job record, alerts and state payloads list them, and they have size limits. */
export const MAX_COLUMNS = 1000;

/** The options `loadSource` reads a file with. */
export type LoadInput = {
  path: string;
  format: DataFormat;
  fileName: string;
  nullValues: readonly string[];
  csv?: { header?: boolean; delimiter?: string };
  /** A top-level JSON array field whose elements become rows of their own. */
  explode?: string;
};

/**
 * Loads a local UTF-8 file into the source table with normalized column names, text trimmed and
 * the dataset's NULL tokens turned into NULL. CSV is read as text (the pipeline types it, so a bad
 * value is quarantined, not a failed read) in the dialect DuckDB's sniffer detects or the dataset
 * declares; JSON values come as their JSON text for the same reason, and nested objects are
 * flattened into `parent_child` columns (arrays stay JSON text). `fileName` names the file in errors.
 */
export async function loadSource(engine: Engine, input: LoadInput): Promise<LoadedSource> {
  const { format, fileName } = input;
  // Only a parse failure is the file's fault; running out of memory or disk is not, and must stay retryable.
  const fail = (error: unknown) =>
    /Out of Memory|No space left|Could not (write|create)/i.test(String(error))
      ? error
      : new MalformedFileError(`${fileName} could not be read as ${format}: ${firstLine(error)}`, { cause: error });

  const readParams = new Params();
  readParams.add(input.path);
  let dialect: CsvDialect | undefined;
  let reader: string;
  let described: Described[];
  try {
    if (format === "csv") {
      dialect = await sniffDialect(engine, input);
      const options = [
        `delim = ${readParams.add(dialect.delimiter)}`,
        `header = ${readParams.add(dialect.header)}`,
        ...(dialect.quote ? [`quote = ${readParams.add(dialect.quote)}`] : []),
        ...(dialect.escape ? [`escape = ${readParams.add(dialect.escape)}`] : []),
      ];
      reader = `read_csv($1, all_varchar = true, auto_detect = true, ${options.join(", ")})`;
    } else if (format === "parquet") {
      reader = "read_parquet($1)";
    } else {
      const shape = format === "json" ? "auto" : "newline_delimited";
      // Keys from the whole file, not a sample: pinned columns would silently drop keys seen late.
      const auto = await engine.rows<Described>(`DESCRIBE SELECT * FROM read_json($1, format = '${shape}', sample_size = -1)`, [
        input.path,
      ]);
      if (!auto.length) throw new EmptyFileError(`${fileName} has no data rows`);
      const pinned = auto.map((c) => `${quoteLiteral(c.column_name)}: '${NESTED.test(c.column_type) ? "JSON" : "VARCHAR"}'`);
      reader = `read_json($1, format = '${shape}', columns = {${pinned.join(", ")}})`;
    }
    described = await engine.rows<Described>(`DESCRIBE SELECT * FROM ${reader}`, readParams.values);
  } catch (error) {
    throw error instanceof EmptyFileError ? error : fail(error);
  }

  // Nested JSON is staged once so its keys can be found from the data; flat files go straight to the source table.
  const nested = described.some((c) => c.column_type === "JSON");
  if (nested) await withFileOrder(engine, () => engine.run(`CREATE TABLE raw AS SELECT row_number() OVER () AS __row, * FROM ${reader}`, readParams.values)).catch((e) => {
    throw fail(e);
  });
  if (input.explode) {
    const column = described.find((c) => c.column_name === input.explode);
    if (!column || column.column_type !== "JSON") {
      throw new ContractViolationError(`${fileName} has no array field ${input.explode} to explode`);
    }
    await explode(engine, column.column_name);
  }

  // Nested JSON becomes flat `parent_child` columns; everything else is a leaf of its own.
  const leaves: { original: string; path: string[]; column: string; type: string }[] = [];
  for (const c of described) {
    const type = c.column_type === "JSON" ? "VARCHAR" : c.column_type;
    if (c.column_type !== "JSON") leaves.push({ original: c.column_name, column: c.column_name, path: [], type });
    else for (const leaf of await jsonLeaves(engine, "raw", c.column_name)) leaves.push({ ...leaf, original: [leaf.column, ...leaf.path].join("."), type });
  }
  if (leaves.length > MAX_COLUMNS) {
    throw new MalformedFileError(`${fileName} has ${leaves.length} columns (flattened); the limit is ${MAX_COLUMNS}`);
  }
  // A headerless CSV gets DuckDB's column0, column1…: number them from 1 like empty headers.
  const headers = dialect && !dialect.header ? leaves.map(() => "") : leaves.map((l) => l.original);
  const names = normalizeNames(headers);

  const params = nested ? new Params() : readParams;
  let tokens: string | undefined;
  const select = leaves.map((leaf, i) => {
    const column = quoteIdent(leaf.column);
    const value = leaf.path.length ? `(${column} ->> ${params.add(jsonPointer(leaf.path))})` : column;
    if (leaf.type !== "VARCHAR") return `${value} AS ${quoteIdent(names[i])}`;
    tokens ??= params.add(listValue([...input.nullValues]));
    const text = `trim(CAST(${value} AS VARCHAR))`;
    return `CASE WHEN list_contains(${tokens}, ${text}) THEN NULL ELSE ${text} END AS ${quoteIdent(names[i])}`;
  });
  await withFileOrder(engine, () =>
    engine.run(
      `CREATE TABLE ${SOURCE_TABLE} AS SELECT ${select.join(", ")} FROM ${nested ? "(SELECT * FROM raw ORDER BY __row)" : reader}`,
      params.values,
    ),
  ).catch((e) => {
    throw fail(e);
  });
  if (nested) await engine.run("DROP TABLE raw");
  const columns = leaves.map((l, i) => ({ original: headers[i] || `column_${i + 1}`, name: names[i], sourceType: l.type }));
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${SOURCE_TABLE}`);
  if (n === 0n) throw new EmptyFileError(`${fileName} has no data rows`);
  return { columns, dialect, rows: Number(n) };
}

/**
 * Turns each element of a JSON array field into a row of its own, the record's other fields
 * repeated, in file order. A record whose array is empty, NULL or not an array keeps one row
 * (with that value), so no record disappears.
 */
async function explode(engine: Engine, column: string): Promise<void> {
  const q = quoteIdent(column);
  const elements = `CASE WHEN json_type(${q}) = 'ARRAY' AND json_array_length(${q}) > 0 THEN CAST(${q} AS JSON[]) ELSE [${q}] END`;
  await engine.run(
    `CREATE TABLE exploded AS
     SELECT row_number() OVER (ORDER BY __record, __element) AS __row, * EXCLUDE (__record, __element)
     FROM (SELECT __row AS __record, * EXCLUDE (__row, ${q}, __elements), generate_subscripts(__elements, 1) AS __element, unnest(__elements) AS ${q}
           FROM (SELECT *, ${elements} AS __elements FROM raw)) `,
  );
  await engine.run("DROP TABLE raw");
  await engine.run("ALTER TABLE exploded RENAME TO raw");
}

/** Runs a statement keeping rows in file order: `__row` is a row's position in the file (first occurrence wins, quarantine cites it). */
async function withFileOrder<T>(engine: Engine, work: () => Promise<T>): Promise<T> {
  await engine.run("SET preserve_insertion_order = true");
  try {
    return await work();
  } finally {
    await engine.run("SET preserve_insertion_order = false");
  }
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
