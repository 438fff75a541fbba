import { MalformedFileError } from "../errors.ts";
import { csvCodes, parseRecord, type CsvChars, type ParsedRecord } from "./csvRecords.ts";

/** What a dataset may declare about its CSV files; anything absent is detected. */
export type CsvDeclared = {
  delimiter?: string;
  quote?: string;
  escape?: string;
  header?: boolean;
  headerRows?: number;
  skipLines?: number;
  comment?: string;
};

/**
 * How a CSV file is laid out, as decided from a sample: its characters, the number of fields a
 * record has, and where the header and the data start. Lines before `startLine` (titles, notes,
 * blank lines) are not data.
 */
export type CsvLayout = CsvChars & {
  /** The line end most lines use, for the job record (every kind ends a record). */
  newline: string;
  fields: number;
  /** 0-based physical line where the header (or, without one, the first data record) starts. */
  startLine: number;
  /** Records the header takes: 0 (none), 1, or more for multi-row headers. */
  headerRows: number;
  /** One name per field, the header rows joined; "" where the file has none. */
  names: string[];
  comment: string;
};

/** A record may span lines inside quotes, up to this size (DuckDB's own default line limit). */
export const MAX_RECORD_BYTES = 2 * 1024 * 1024;

const DELIMITERS = [",", ";", "\t", "|"];

/** Bytes of the sample every candidate dialect is scored on. */
const SCORE_BYTES = 256 * 1024;

/** The share of a sample's records the chosen dialect must explain; below it no reading is trusted. */
const MIN_CONSISTENCY = 0.5;

type Scan = { line: number; rec: ParsedRecord; start: number; trailing: boolean };

/**
 * Decides a CSV file's layout from its first bytes. Every candidate dialect splits the sample and
 * the one whose records most consistently share one field count wins, so a few bad lines never
 * change how the others are read; `preferred` (DuckDB's own sniffer) breaks near-ties. What the
 * dataset declares is used as is. A sample that every dialect reads as one column, while its lines
 * consistently hold a delimiter, is rejected: storing each line unsplit would look like success.
 */
export function sniffLayout(sample: Uint8Array, eof: boolean, declared: CsvDeclared, fileName: string, preferred?: CsvChars): CsvLayout {
  const skipLines = declared.skipLines ?? 0;
  const comment = declared.comment ?? "";
  const begin = skipPhysicalLines(sample, skipLines);
  // Only characters the sample holds are candidates; the first records are enough to score them.
  const head = Buffer.from(sample.buffer, sample.byteOffset, Math.min(sample.length, SCORE_BYTES));
  const holds = (c: string) => head.includes(Buffer.from(c));
  const candidates: CsvChars[] = [];
  const delimiters = DELIMITERS.filter(holds);
  for (const delimiter of declared.delimiter ? [declared.delimiter] : delimiters.length ? delimiters : [","]) {
    for (const quote of declared.quote !== undefined ? [declared.quote] : ['"', ...(holds("'") ? ["'"] : []), ""]) {
      const escapes = declared.escape !== undefined ? [declared.escape] : quote === '"' && holds("\\") ? ['"', "\\"] : [quote];
      for (const escape of escapes) candidates.push({ delimiter, quote, escape });
    }
  }
  const scoreEof = eof && head.length === sample.length;
  const scored = candidates.map((chars) => ({ chars, ...score(scan(head, begin.offset, chars, scoreEof, comment, skipLines)) }));
  const best = scored.reduce((a, b) => (better(b, a) ? b : a));
  const near =
    preferred &&
    scored.find((s) => same(s.chars, preferred) && s.fields >= 2 && s.consistency >= best.consistency - 0.02 && s.explained >= best.explained * 0.98);
  const chosen = near ?? best;
  if (chosen.fields < 2) guardCollapse(sample, begin.offset, fileName, declared.delimiter);
  else if (chosen.consistency < MIN_CONSISTENCY) {
    throw new MalformedFileError(
      `${fileName}: no dialect explains most of its lines; the best (delimiter ${JSON.stringify(chosen.chars.delimiter)}, ` +
        `${chosen.fields} fields) fits ${Math.round(chosen.consistency * 100)}% of them. Declare csv.delimiter, csv.quote or csv.skipLines`,
    );
  }

  const records = chosen.records.slice(chosen.headerIndex);
  const first = records[0];
  if (!first) return { ...chosen.chars, newline: newlineOf(sample), fields: 1, startLine: skipLines, headerRows: declared.header === false ? 0 : 1, names: [], comment };
  const cellsOf = (s: Scan) => parseRecord(sample, s.start, csvCodes(chosen.chars), eof, MAX_RECORD_BYTES, true)!.cells!;
  const rows = records.slice(0, 200).filter((r) => r.rec.fields === chosen.fields && !r.rec.badQuote).map(cellsOf);
  const hasHeader = declared.header ?? (declared.headerRows ? declared.headerRows > 0 : looksLikeHeader(rows));
  let headerRows = hasHeader ? (declared.headerRows ?? (continuesHeader(rows) ? 2 : 1)) : 0;
  headerRows = Math.min(headerRows, rows.length);
  return {
    ...chosen.chars,
    newline: newlineOf(sample),
    fields: chosen.fields,
    startLine: first.line,
    headerRows,
    names: joinHeaderRows(rows.slice(0, headerRows), chosen.fields),
    comment,
  };
}

/** 3 when the bytes start with a UTF-8 byte order mark, which is no part of the first cell. */
export function bomLength(buf: Uint8Array): number {
  return buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

function same(a: CsvChars, b: CsvChars): boolean {
  return a.delimiter === b.delimiter && a.quote === b.quote && a.escape === b.escape;
}

/**
 * A dialect that splits into several fields beats one field; then the more consistent, then fewer
 * broken quotes; else the earlier candidate (quoting with `"` first: a quoted field holding a line
 * end reads as more, equally consistent, records without quoting).
 */
function better(a: ReturnType<typeof score>, b: ReturnType<typeof score>): boolean {
  if ((a.fields >= 2) !== (b.fields >= 2)) return a.fields >= 2;
  if (Math.abs(a.consistency - b.consistency) > 0.02) return a.consistency > b.consistency;
  return a.badQuotes < b.badQuotes;
}

/** Where reading starts: past a UTF-8 BOM, then past `lines` physical lines. */
export function skipPhysicalLines(buf: Uint8Array, lines: number): { offset: number } {
  let i = bomLength(buf);
  for (let l = 0; l < lines && i < buf.length; l++) {
    while (i < buf.length && buf[i] !== 10 && buf[i] !== 13) i++;
    i += buf[i] === 13 && buf[i + 1] === 10 ? 2 : 1;
  }
  return { offset: Math.min(i, buf.length) };
}

/** The sample's records in one dialect, blank and comment lines left out. */
function scan(buf: Uint8Array, offset: number, chars: CsvChars, eof: boolean, comment: string, firstLine: number): Scan[] {
  const codes = csvCodes(chars);
  const commentCode = comment ? Buffer.from(comment)[0] : -1;
  const out: Scan[] = [];
  let pos = offset;
  let line = firstLine;
  while (pos < buf.length) {
    // Read as if the sample were the file: a quote left open is then one bad line, not the sample's end.
    const rec = parseRecord(buf, pos, codes, true, MAX_RECORD_BYTES);
    if (!rec || (!eof && rec.next >= buf.length)) break;
    const blank = rec.end === pos;
    if (!blank && buf[pos] !== commentCode) out.push({ line, rec, start: pos, trailing: buf[rec.end - 1] === codes.delimiter });
    line += 1 + rec.innerLines;
    pos = rec.next;
  }
  return out;
}

/**
 * How well a dialect explains the sample: the field count most records share, where the table
 * starts (the first record of that count followed mostly by records of the same count: lines
 * before it are a preamble), and the share of the sample's records that have it.
 */
function score(records: Scan[]) {
  const counts = new Map<number, number>();
  for (const r of records) if (!r.rec.badQuote) counts.set(r.rec.fields, (counts.get(r.rec.fields) ?? 0) + 1);
  let fields = 1;
  let most = -1;
  for (const [f, n] of counts) if (n > most || (n === most && f > fields)) [fields, most] = [f, n];
  let headerIndex = 0;
  for (let k = 0; k < records.length; k++) {
    if (records[k].rec.fields !== fields) continue;
    const next = records.slice(k + 1, k + 11);
    if (!next.length || next.filter((r) => r.rec.fields === fields).length >= next.length * 0.7) {
      headerIndex = k;
      break;
    }
  }
  const table = records.slice(headerIndex);
  const fitting = table.filter((r) => (r.rec.fields === fields || fitsWithTrailingDelimiter(r, fields)) && !r.rec.badQuote).length;
  // Over every record, the preamble included: a dialect that explains more of the file wins, so a
  // wrong quote character cannot win by calling the lines it does not explain a preamble.
  return {
    records,
    fields,
    headerIndex,
    consistency: records.length ? fitting / records.length : 0,
    explained: fitting,
    badQuotes: table.filter((r) => r.rec.badQuote).length,
  };
}

/** A record with one empty field too many at its end (a trailing delimiter) loses nothing when read without it. */
function fitsWithTrailingDelimiter(r: Scan, fields: number): boolean {
  return r.rec.fields === fields + 1 && r.trailing;
}

/** Lines that consistently hold a delimiter the chosen dialect does not split on. */
function guardCollapse(sample: Uint8Array, offset: number, fileName: string, declared?: string): void {
  const lines = new TextDecoder().decode(sample.subarray(offset)).split(/\r\n|\n|\r/).filter((l) => l.trim()).slice(0, 1000);
  if (lines.length < 2) return;
  for (const d of DELIMITERS) {
    if (d === declared) continue;
    const holding = lines.filter((l) => l.includes(d)).length;
    if (holding >= lines.length * 0.9) {
      throw new MalformedFileError(
        `${fileName}: its lines hold ${JSON.stringify(d)}, but no dialect splits them into a consistent number of fields` +
          `${declared ? ` (the dataset declares delimiter ${JSON.stringify(declared)})` : ""}; declare csv.delimiter, csv.quote or csv.skipLines`,
      );
    }
  }
}

function newlineOf(sample: Uint8Array): string {
  let lf = 0;
  let crlf = 0;
  let cr = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] === 13) {
      if (sample[i + 1] === 10) {
        crlf++;
        i++;
      } else cr++;
    } else if (sample[i] === 10) lf++;
  }
  return crlf >= lf && crlf >= cr && crlf > 0 ? "\r\n" : cr > lf ? "\r" : "\n";
}

const VALUE = /^\s*([+-]?[0-9][0-9,.]*([eE][+-]?[0-9]+)?|[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}([ T].*)?)\s*$/;

/**
 * Whether the first row names the columns: a headerless file's first row looks like its other
 * rows, so it has no text cell where every other row of that column holds a number or a date.
 * Without such a column (all text), a first row of unique non-empty cells is taken as a header.
 */
function looksLikeHeader(rows: string[][]): boolean {
  const [first, ...rest] = rows;
  if (!first || !rest.length) return true;
  // A possible second header row is left out of what the data looks like.
  const data = rest.length > 2 ? rest.slice(1) : rest;
  let typedColumns = 0;
  for (let c = 0; c < first.length; c++) {
    const values = data.map((r) => r[c]).filter((v) => v !== undefined && v.trim() !== "");
    if (!values.length || !values.every((v) => VALUE.test(v))) continue;
    typedColumns++;
    if (first[c].trim() !== "" && !VALUE.test(first[c])) return true;
  }
  if (typedColumns) return false;
  return first.every((c) => c.trim() !== "") && new Set(first).size === first.length;
}

/**
 * A second header row (spreadsheet exports with merged group cells: `Sales,,Costs,` over `Q1,Q2,Q1,Q2`):
 * the first row leaves cells empty, and the second holds text where the data holds numbers.
 */
function continuesHeader(rows: string[][]): boolean {
  const [first, second, ...data] = rows;
  if (!first || !second || data.length < 2) return false;
  if (!first.some((c) => c.trim() === "")) return false;
  let numeric = 0;
  for (let c = 0; c < second.length; c++) {
    const values = data.map((r) => r[c]).filter((v) => v.trim() !== "");
    if (!values.length || !values.every((v) => VALUE.test(v))) continue;
    numeric++;
    if (second[c].trim() === "" || VALUE.test(second[c])) return false;
  }
  return numeric > 0;
}

/** One name per column from the header rows: an empty cell of an upper row continues the group to its left. */
function joinHeaderRows(rows: string[][], fields: number): string[] {
  const names = Array.from({ length: fields }, () => [] as string[]);
  rows.forEach((row, r) => {
    let group = "";
    for (let c = 0; c < fields; c++) {
      const cell = (row[c] ?? "").trim();
      const isUpper = r < rows.length - 1;
      if (isUpper && cell) group = cell;
      const part = isUpper ? group : cell;
      if (part && names[c].at(-1) !== part) names[c].push(part);
    }
  });
  return names.map((parts) => parts.join(" "));
}
