import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteLiteral } from "../engine/sql.ts";
import { EmptyFileError, MalformedFileError } from "../errors.ts";
import { MAX_RECORD_BYTES, sniffLayout, type CsvDeclared, type CsvLayout } from "../format/csvLayout.ts";
import type { CsvChars } from "../format/csvRecords.ts";
import { splitCsv, type SplitResult } from "../format/splitCsv.ts";
import { PaddingScan } from "../format/fieldPadding.ts";
import type { CsvDialect } from "./loadSource.ts";
import { STREAM_CHUNK } from "../io/streamChunk.ts";

/** Bytes the layout is decided from. */
const SAMPLE_BYTES = 1 << 20;

/**
 * A CSV file ready to read: the reader SQL over its well-formed records, and what the split found;
 * or, read directly (`direct`), the records the reader must return for the read to stand, and the
 * split to fall back on (`fallback`), in the layout already decided.
 */
export type CsvSource = { reader: string; names: string[]; dialect: CsvDialect; layout: CsvLayout } & (
  | { split: SplitResult; direct?: undefined }
  | { split?: undefined; direct: { records: number; padded: boolean }; fallback: (params: Params) => Promise<CsvSource> }
);

type CsvInput = { path: string; fileName: string; csv?: CsvDeclared; workDir: string; damaged?: boolean };

/**
 * Reads a UTF-8 CSV file in one fixed dialect: decided on a sample (or declared). A plain file
 * (`plainLayout`) is read by DuckDB itself; otherwise, or when that read does not stand, the file
 * is split once so each malformed record is set aside with its line and raw text (into the
 * `malformed` table) instead of changing how the others are read. DuckDB then reads the
 * well-formed records with every option explicit, nothing left to its sniffer.
 */
export async function readCsv(engine: Engine, input: CsvInput, params: Params): Promise<CsvSource> {
  const declared = input.csv ?? {};
  const { sample, eof } = await readSample(input.path);
  const preferred = declared.delimiter ? undefined : await duckdbSniff(engine, input.path);
  const layout = sniffLayout(sample, eof, declared, input.fileName, preferred);
  const dialect = { delimiter: layout.delimiter, quote: layout.quote, escape: layout.escape, newline: JSON.stringify(layout.newline).slice(1, -1), header: layout.headerRows > 0 };
  const split = (p: Params) => splitReader(engine, input, layout, dialect, p);
  if (input.damaged || !plainLayout(layout)) return split(params);
  const reader = `read_csv(${params.add(input.path)}, header = ${layout.headerRows === 1}, strict_mode = true, null_padding = false,
    ${dialectOptions(layout, params)}, columns = {${fieldColumns(layout).join(", ")}})`;
  const { lines, padded } = await scanLines(input.path, new PaddingScan(layout, layout.headerRows === 1));
  return { reader, names: layout.names, layout, dialect, direct: { records: lines - layout.headerRows, padded }, fallback: split };
}

/** Splits the file in its layout and returns the reader of its well-formed records, each numbered (`__row`). */
async function splitReader(engine: Engine, input: CsvInput, layout: CsvLayout, dialect: CsvDialect, params: Params): Promise<CsvSource> {
  await mkdir(input.workDir, { recursive: true });
  const records = join(input.workDir, "records.csv");
  const rejects = join(input.workDir, "rejects.ndjson");
  const split = await splitCsv(input.path, layout, records, rejects, input.damaged).catch((error) => {
    throw error instanceof MalformedFileError ? new MalformedFileError(`${input.fileName}: ${error.message}`, { cause: error }) : error;
  });
  if (split.records === 0) throw new EmptyFileError(`${input.fileName} has no data rows`);
  if (split.malformed > 0) {
    await engine.run(
      `CREATE TABLE malformed AS SELECT * FROM read_json($1, format = 'newline_delimited',
         columns = {row: 'BIGINT', line: 'BIGINT', raw: 'VARCHAR', reason: 'VARCHAR'})`,
      [rejects],
    );
  }
  const reader = `read_csv(${params.add(records)}, header = false, new_line = '\\n', strict_mode = false,
    ${dialectOptions(layout, params)}, columns = {${[`'__row': 'BIGINT'`, ...fieldColumns(layout)].join(", ")}})`;
  return { reader, names: layout.names, layout, split, dialect };
}

/** The reader options of the decided dialect, every one explicit: nothing is left to DuckDB's sniffer. */
function dialectOptions(layout: CsvLayout, params: Params): string {
  return `auto_detect = false, delim = ${params.add(layout.delimiter)}, quote = ${params.add(layout.quote)}, escape = ${params.add(layout.escape)},
    max_line_size = ${MAX_RECORD_BYTES * 2}`;
}

/** The file's fields by position as text: its own header cells may be anything, they are normalized later. */
function fieldColumns(layout: CsvLayout): string[] {
  return Array.from({ length: layout.fields }, (_, i) => `${quoteLiteral(`c${i}`)}: 'VARCHAR'`);
}

/**
 * Whether DuckDB may read the file itself, strictly, instead of after the split (which costs a
 * pass in JS and a copy of the file: 0.9 s at 1M rows): a table from the first line, one header
 * row at most, no comment lines, more than one field (a blank line would be a record), LF or CRLF
 * line ends. The read stands only if it returns one record per line after the header
 * (`direct.records`): a strict read fails on a record of another field count or broken quoting,
 * and a blank line or a quoted line break anywhere makes the counts differ; the file is then
 * split after all, so each such line is set aside or skipped exactly as the split does.
 */
function plainLayout(layout: CsvLayout): boolean {
  const simple = layout.startLine === 0 && layout.headerRows <= 1 && !layout.comment && layout.fields > 1;
  return simple && (layout.newline === "\n" || layout.newline === "\r\n");
}

/** Lines in a file (its line feeds, plus one for a last line without one), and whether a field may be padded (`PaddingScan`). */
async function scanLines(path: string, scan: PaddingScan): Promise<{ lines: number; padded: boolean }> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path, STREAM_CHUNK)) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
    if (buf.length) last = buf[buf.length - 1];
    scan.push(buf);
  }
  return { lines: lines + (last === 10 ? 0 : 1), padded: scan.end() };
}


async function readSample(path: string): Promise<{ sample: Buffer; eof: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: SAMPLE_BYTES })) {
    parts.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const all = Buffer.concat(parts, size);
  return { sample: all.subarray(0, SAMPLE_BYTES), eof: size <= SAMPLE_BYTES };
}

/** DuckDB's own sniffer, which breaks near-ties between dialects that explain the sample equally well. */
async function duckdbSniff(engine: Engine, path: string): Promise<CsvChars | undefined> {
  try {
    const [s] = await engine.rows<Record<string, unknown>>(`SELECT Delimiter, Quote, Escape FROM sniff_csv($1, all_varchar = true)`, [path]);
    const text = (v: unknown) => (v === "(empty)" || v === undefined || v === null ? "" : String(v));
    return { delimiter: text(s.Delimiter), quote: text(s.Quote), escape: text(s.Escape) };
  } catch {
    return undefined;
  }
}
