/**
 * CSV records as a reader sees them: split on line ends outside quotes, fields counted, quoting
 * checked. One parser serves the dialect sniffer (on a sample) and the streaming pass that sets
 * malformed lines aside (`splitCsv.ts`), so both agree on what a record is.
 */

/** The characters a CSV file is written with; `quote` and `escape` are "" when the file has none. */
export type CsvChars = { delimiter: string; quote: string; escape: string };

/** One record found in a buffer: where it ends, how many fields and physical lines it has, and whether its quoting holds. */
export type ParsedRecord = {
  /** Index just past the record's line end. */
  next: number;
  /** Index where the record's text ends (before its line end). */
  end: number;
  fields: number;
  /** Line ends inside the record (in quoted fields). */
  innerLines: number;
  /** A quote never closed, or text right after a closing quote. */
  badQuote: boolean;
  /** Field texts, unquoted, when asked for. */
  cells?: string[];
};

const LF = 10;
const CR = 13;

/** Byte codes of a dialect; -1 for a character the file does not use. */
export type CsvCodes = { delimiter: number; quote: number; escape: number };

export function csvCodes(chars: CsvChars): CsvCodes {
  const code = (c: string) => (c ? Buffer.from(c, "utf8")[0] : -1);
  return { delimiter: code(chars.delimiter), quote: code(chars.quote), escape: code(chars.escape) };
}

/**
 * Parses the record starting at `start`. Returns undefined when the buffer ends before the record
 * does and more bytes may follow (`eof` false); at the end of the file an open quote is a bad quote.
 * `\n`, `\r\n` and a lone `\r` all end a record outside quotes. A quote inside an unquoted field is
 * kept as text, as most readers do. `maxBytes` bounds a record: a quote left open by mistake must
 * not swallow the rest of the file.
 */
export function parseRecord(
  buf: Uint8Array,
  start: number,
  codes: CsvCodes,
  eof: boolean,
  maxBytes: number,
  withCells = false,
): ParsedRecord | undefined {
  const { delimiter, quote, escape } = codes;
  const n = buf.length;
  const cells: string[] | undefined = withCells ? [] : undefined;
  const decoder = withCells ? new TextDecoder() : undefined;
  let fields = 1;
  let innerLines = 0;
  let i = start;
  let badQuote = false;
  let fieldStart = start;
  let quotedCell: string | undefined;
  for (;;) {
    // At the start of a field.
    if (i < n && buf[i] === quote) {
      const open = i++;
      let closed = false;
      while (i < n) {
        const b = buf[i];
        if (b === escape && escape !== quote) {
          i += 2;
          continue;
        }
        if (b === quote) {
          if (escape === quote && buf[i + 1] === quote) {
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (b === LF || (b === CR && buf[i + 1] !== LF)) innerLines++;
        i++;
        if (i - start > maxBytes) break;
      }
      if (!closed) {
        if (!eof && i >= n && i - start <= maxBytes) return undefined;
        return lineRecord(buf, start, codes, eof);
      }
      if (cells) {
        const inner = decoder!.decode(buf.subarray(open + 1, i - 1));
        const q = String.fromCharCode(quote);
        const e = escape >= 0 ? String.fromCharCode(escape) : "";
        quotedCell = e ? inner.split(e + q).join(q) : inner;
      }
      if (i < n && buf[i] !== delimiter && buf[i] !== LF && buf[i] !== CR) badQuote = true;
    }
    // The rest of the field, up to a delimiter or a line end.
    while (i < n && buf[i] !== delimiter && buf[i] !== LF && buf[i] !== CR) {
      i++;
      if (i - start > maxBytes) return lineRecord(buf, start, codes, eof);
    }
    if (i >= n && !eof) return undefined;
    if (cells) {
      cells.push(quotedCell ?? decoder!.decode(buf.subarray(fieldStart, i)));
      quotedCell = undefined;
    }
    if (i < n && buf[i] === delimiter) {
      i++;
      fields++;
      fieldStart = i;
      continue;
    }
    const end = i;
    let next = i;
    if (i < n && buf[i] === CR) next = buf[i + 1] === LF ? i + 2 : i + 1;
    else if (i < n) next = i + 1;
    if (i < n && buf[i] === CR && i + 1 >= n && !eof) return undefined;
    if (badQuote) return { ...lineRecord(buf, start, codes, eof)!, badQuote: true, cells };
    return { next, end, fields, innerLines, badQuote: false, cells };
  }
}

/**
 * The physical line at `start` as a record of its own, marked bad: where quoting broke, only that
 * line is set aside and reading resumes at the next one.
 */
function lineRecord(buf: Uint8Array, start: number, codes: CsvCodes, eof: boolean): ParsedRecord | undefined {
  let i = start;
  while (i < buf.length && buf[i] !== LF && buf[i] !== CR) i++;
  if (i >= buf.length && !eof) return undefined;
  let fields = 1;
  for (let j = start; j < i; j++) if (buf[j] === codes.delimiter) fields++;
  const next = i < buf.length && buf[i] === CR && buf[i + 1] === LF ? i + 2 : Math.min(i + 1, buf.length);
  return { next, end: i, fields, innerLines: 0, badQuote: true };
}

/** True when the record's text is empty: a blank line. */
export function isBlank(rec: ParsedRecord, start: number): boolean {
  return rec.end === start;
}
