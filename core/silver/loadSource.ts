import { listValue } from "@duckdb/node-api";
import { ContractViolationError, MalformedFileError, EmptyFileError } from "../errors.ts";
import type { DataFormat } from "../format/sniffFormat.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteIdent, quoteLiteral } from "../engine/sql.ts";
import { normalizeNames } from "../naming/normalizeName.ts";
import { jsonLeaves, jsonPointer } from "./flattenJson.ts";
import { rm } from "node:fs/promises";
import { readCsv } from "./readCsv.ts";
import type { CsvDeclared } from "../format/csvLayout.ts";
import type { SkippedLine } from "../format/splitCsv.ts";

/** A column as read from the file: its header, its silver name and the type the reader gave it. */
export type SourceColumn = { original: string; name: string; sourceType: string };

/** How a CSV file is written, as detected (or as the dataset declared it). */
export type CsvDialect = { delimiter: string; quote: string; escape: string; newline: string; header: boolean };

/**
 * What `loadSource` found; `rows` is counted as the file is read, before any step can lose one, and
 * includes the malformed rows set aside in `MALFORMED_TABLE`. `position` is the SQL of a source
 * row's 1-based position among the file's records.
 */
export type LoadedSource = {
  columns: SourceColumn[];
  dialect?: CsvDialect;
  rows: number;
  position: string;
  malformed: number;
  skippedLines?: number;
  firstSkipped?: SkippedLine[];
};

/** The table `loadSource` creates: every readable input row, stored in file order. */
export const SOURCE_TABLE = "src";

/** CSV records that do not fit the file's layout: `row`, `line`, `raw`, `reason` (only when there are any). */
export const MALFORMED_TABLE = "malformed";

/**
 * A source row's 1-based position in the file. The table is written in file order, so its row id
 * is the position: no window over the whole file is needed to number the rows. CSV records carry
 * their number in `__row` instead, since malformed ones are set aside.
 */
const ROWID_POSITION = "(rowid + 1)";
const CSV_POSITION = "__row";

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
  csv?: CsvDeclared;
  /** A top-level JSON array field whose elements become rows of their own. */
  explode?: string;
  /** Invalid UTF-8 bytes became U+FFFD and the records holding them are quarantined (CSV and JSON alike). */
  damaged?: boolean;
  /** A folder for the reader's intermediate files (a CSV's split records), removed once loaded. */
  workDir: string;
};

/**
 * Loads a local UTF-8 file into the source table with normalized column names, text trimmed and
 * the dataset's NULL tokens turned into NULL. CSV is read as text (the pipeline types it, so a bad
 * value is quarantined, not a failed read) in one fixed dialect, its malformed records set aside
 * (`readCsv`); JSON values come as their JSON text for the same reason, and nested objects are
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
  let csv: Awaited<ReturnType<typeof readCsv>> | undefined;
  let reader: string;
  let described: Described[];
  try {
    if (format === "csv") {
      csv = await readCsv(engine, input, readParams);
      reader = csv.reader;
    } else if (format === "parquet") {
      reader = `read_parquet(${readParams.add(input.path)})`;
    } else {
      reader = await jsonReader(engine, input, readParams);
    }
    described = await engine.rows<Described>(`DESCRIBE SELECT * FROM ${reader}`, readParams.values);
  } catch (error) {
    throw error instanceof EmptyFileError || error instanceof MalformedFileError ? error : fail(error);
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
    if (csv && c.column_name === CSV_POSITION) continue;
    const type = c.column_type === "JSON" ? "VARCHAR" : c.column_type;
    if (c.column_type !== "JSON") leaves.push({ original: c.column_name, column: c.column_name, path: [], type });
    else for (const leaf of await jsonLeaves(engine, "raw", c.column_name)) leaves.push({ ...leaf, original: (leaf.column === ROOT_COLUMN ? leaf.path : [leaf.column, ...leaf.path]).join(".") || "value", type });
  }
  if (leaves.length > MAX_COLUMNS) {
    throw new MalformedFileError(`${fileName} has ${leaves.length} columns (flattened); the limit is ${MAX_COLUMNS}`);
  }
  // CSV fields are read by position; their names come from the header rows (empty ones get `column_N`).
  const csvNames = csv?.names;
  const headers = csvNames ? leaves.map((_, i) => csvNames[i] ?? "") : leaves.map((l) => l.original);
  const names = normalizeNames(headers);

  const params = nested ? new Params() : readParams;
  const create = (from: string, p: Params, numbered: boolean, trim = true) =>
    withFileOrder(engine, () =>
      engine.run(`CREATE TABLE ${SOURCE_TABLE} AS SELECT ${numbered ? `${CSV_POSITION}, ` : ""}${cleanedText(leaves, names, input.nullValues, p, trim).join(", ")} FROM ${from}`, p.values),
    ).catch((e) => {
      throw fail(e);
    });
  if (csv?.direct) {
    const expected = csv.direct.records;
    // Read directly, it stands only with every line a record (readCsv.ts, `plainLayout`); else the file is split.
    // A file whose scan found no field that could be padded is stored as read: `trim` would change no value.
    const read = await create(reader, params, false, csv.direct.padded).then(
      async () => (await count(engine, SOURCE_TABLE)) === expected,
      (error) => {
        // Only the file's fault sends it to the split; running out of memory or disk stays retryable.
        if (!(error instanceof MalformedFileError)) throw error;
        return false;
      },
    );
    if (!read) {
      await engine.run(`DROP TABLE IF EXISTS ${SOURCE_TABLE}`);
      const splitParams = new Params();
      csv = await csv.fallback(splitParams);
      await create(csv.reader, splitParams, true);
    }
  } else {
    await create(nested ? "(SELECT * FROM raw ORDER BY __row)" : reader, params, Boolean(csv));
  }
  if (nested) await engine.run("DROP TABLE raw");
  await rm(input.workDir, { recursive: true, force: true });
  const columns = leaves.map((l, i) => ({ original: headers[i] || `column_${i + 1}`, name: names[i], sourceType: l.type }));
  // CSV set its damaged records aside while splitting; a JSON record is set aside once read.
  const damagedJson = !csv && format !== "parquet" && input.damaged ? await setAsideDamaged(engine, columns) : undefined;
  const n = await count(engine, SOURCE_TABLE);
  const malformed = csv?.split?.malformed ?? damagedJson ?? 0;
  if (n === 0 && malformed === 0) throw new EmptyFileError(`${fileName} has no data rows`);
  return {
    columns,
    dialect: csv?.dialect,
    rows: n + malformed,
    position: csv?.split || damagedJson !== undefined ? CSV_POSITION : ROWID_POSITION,
    malformed,
    ...(csv?.split ? { skippedLines: csv.split.skippedLines, firstSkipped: csv.split.firstSkipped } : {}),
  };
}

/** The source table's columns: text trimmed (unless `trim` is off), the dataset's NULL tokens NULL; nested JSON values by their path. */
function cleanedText(
  leaves: readonly { path: string[]; column: string; type: string }[],
  names: readonly string[],
  nullValues: readonly string[],
  params: Params,
  trim: boolean,
): string[] {
  let tokens: string | undefined;
  return leaves.map((leaf, i) => {
    const column = quoteIdent(leaf.column);
    const value = leaf.path.length ? `(${column} ->> ${params.add(jsonPointer(leaf.path))})` : column;
    if (leaf.type !== "VARCHAR") return `${value} AS ${quoteIdent(names[i])}`;
    tokens ??= params.add(listValue([...nullValues]));
    const text = trim ? `trim(CAST(${value} AS VARCHAR))` : `CAST(${value} AS VARCHAR)`;
    return `CASE WHEN list_contains(${tokens}, ${text}) THEN NULL ELSE ${text} END AS ${quoteIdent(names[i])}`;
  });
}

async function count(engine: Engine, table: string): Promise<number> {
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
  return Number(n);
}

/**
 * The reader of a JSON or NDJSON file, every value as JSON text. DuckDB matches keys without
 * regard to case: keys differing only in case (`Name`, `name`) come out of its sniffer as
 * `name_1`…, which its reader then fills with NULLs. Such a file is read as one JSON value per
 * record instead, its keys found case-sensitively like nested ones (`ROOT_COLUMN`).
 */
async function jsonReader(engine: Engine, input: LoadInput, params: Params): Promise<string> {
  const shape = input.format === "json" ? "auto" : "newline_delimited";
  const path = params.add(input.path);
  const whole = `read_json(${path}, format = '${shape}', records = false, columns = {${quoteLiteral(ROOT_COLUMN)}: 'JSON'})`;
  let auto: Described[];
  try {
    // Keys from the whole file, not a sample: pinned columns would silently drop keys seen late.
    auto = await engine.rows<Described>(`DESCRIBE SELECT * FROM read_json($1, format = '${shape}', sample_size = -1)`, [input.path]);
  } catch (error) {
    if (/Duplicate name/i.test(String(error)) && !input.explode) return whole;
    throw error;
  }
  if (!auto.length) throw new EmptyFileError(`${input.fileName} has no data rows`);
  const lower = new Set(auto.map((c) => c.column_name.toLowerCase()));
  const renamed = auto.some((c) => /_[0-9]+$/.test(c.column_name) && lower.has(c.column_name.toLowerCase().replace(/_[0-9]+$/, "")));
  if (renamed && !input.explode) return whole;
  const pinned = auto.map((c) => `${quoteLiteral(c.column_name)}: '${NESTED.test(c.column_type) ? "JSON" : "VARCHAR"}'`);
  return `read_json(${path}, format = '${shape}', columns = {${pinned.join(", ")}})`;
}

/**
 * Moves the JSON records holding U+FFFD (what invalid UTF-8 bytes became) to `MALFORMED_TABLE`,
 * as CSV's split does: quarantined as `malformed_row` with their record number and the record as
 * JSON, counted as input rows. The source table gets each record's position as `__row` first,
 * since its row ids no longer are positions once records leave it. Returns how many left.
 */
async function setAsideDamaged(engine: Engine, columns: readonly SourceColumn[]): Promise<number> {
  const text = columns.filter((c) => c.sourceType === "VARCHAR").map((c) => quoteIdent(c.name));
  const damaged = text.length ? text.map((c) => `contains(${c}, '\uFFFD')`).join(" OR ") : "FALSE";
  const params = new Params();
  const record = columns.flatMap((c) => [params.add(c.original), quoteIdent(c.name)]);
  await engine.run(`CREATE TABLE positioned AS SELECT ${ROWID_POSITION} AS ${CSV_POSITION}, * FROM ${SOURCE_TABLE}`);
  await engine.run(`DROP TABLE ${SOURCE_TABLE}`);
  await engine.run(
    `CREATE TABLE ${MALFORMED_TABLE} AS
     SELECT ${CSV_POSITION} AS row, CAST(NULL AS BIGINT) AS line, CAST(json_object(${record.join(", ")}) AS VARCHAR) AS raw,
            'record ' || ${CSV_POSITION} || ': invalid UTF-8 bytes (shown as U+FFFD)' AS reason
     FROM positioned WHERE ${damaged}`,
    params.values,
  );
  await engine.run(`DELETE FROM positioned WHERE ${damaged}`);
  await engine.run(`ALTER TABLE positioned RENAME TO ${SOURCE_TABLE}`);
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${MALFORMED_TABLE}`);
  return Number(n);
}

/** The single column of a JSON file read one whole value per record; its keys are flattened from the data. */
const ROOT_COLUMN = "__record";

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

export function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split("\n")[0].slice(0, 500);
}
