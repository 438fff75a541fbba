import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { MalformedFileError } from "../errors.ts";
import { csvCodes, parseRecord, type ParsedRecord } from "./csvRecords.ts";
import { bomLength, MAX_RECORD_BYTES, type CsvLayout } from "./csvLayout.ts";
import { STREAM_CHUNK } from "../io/streamChunk.ts";

/** A line that is not data, as the job records it. */
export type SkippedLine = { line: number; text: string };

/** What the split pass found: data records (good and malformed) and the lines that are not data. */
export type SplitResult = { records: number; malformed: number; skippedLines: number; firstSkipped: SkippedLine[] };

/** Lines kept as examples of what was skipped, and characters kept of each. */
const KEPT_SKIPPED = 5;
const KEPT_CHARS = 200;
/** Raw text kept of a malformed line in quarantine. */
const MAX_RAW_CHARS = 65_536;

/**
 * Streams a CSV file once, in its fixed layout, and writes every well-formed data record to
 * `out` prefixed with its 1-based record number (so numbers survive the records set aside), each
 * on a line of its own; a record with another field count or broken quoting goes to `rejects`
 * (NDJSON: record number, line, raw text, reason) and stays an input row. Lines before the table,
 * blank lines and comment lines are counted, not read. A record with one empty field too many at
 * its end (a trailing delimiter) is written without it. With `damaged`, a record holding U+FFFD
 * (where the conversion to UTF-8 replaced invalid bytes) is set aside too: its text is not the file's.
 */
export async function splitCsv(
  path: string,
  layout: CsvLayout,
  out: string,
  rejects: string,
  damaged = false,
): Promise<SplitResult> {
  const codes = csvCodes(layout);
  const commentCode = layout.comment ? Buffer.from(layout.comment)[0] : -1;
  const good = new Chunked(createWriteStream(out));
  const bad = new Chunked(createWriteStream(rejects));
  const result: SplitResult = { records: 0, malformed: 0, skippedLines: 0, firstSkipped: [] };
  let line = 0;
  let headerLeft = layout.headerRows;
  let leftover: Buffer = Buffer.alloc(0);

  const skip = (text: string) => {
    result.skippedLines++;
    if (result.firstSkipped.length < KEPT_SKIPPED) result.firstSkipped.push({ line: line + 1, text: text.slice(0, KEPT_CHARS) });
  };

  const consume = async (buf: Buffer, eof: boolean): Promise<number> => {
    let pos = 0;
    // Where the next quote is: lines before it need no quote-aware parsing (most lines of most files).
    let nextQuote = -1;
    while (pos < buf.length) {
      if (good.full) await good.flush();
      if (line < layout.startLine) {
        // Before the table: physical lines, whatever their quotes.
        let i = pos;
        while (i < buf.length && buf[i] !== 10 && buf[i] !== 13) i++;
        if (i >= buf.length && !eof) break;
        if (buf[i] === 13 && i + 1 >= buf.length && !eof) break;
        skip(buf.toString("utf8", pos, i));
        line++;
        pos = buf[i] === 13 && buf[i + 1] === 10 ? i + 2 : i + 1;
        continue;
      }
      if (nextQuote < pos && nextQuote !== Infinity) {
        const q = codes.quote >= 0 ? buf.indexOf(codes.quote, pos) : -1;
        nextQuote = q < 0 ? Infinity : q;
      }
      const rec = plainLine(buf, pos, nextQuote, codes.delimiter) ?? parseRecord(buf, pos, codes, eof, MAX_RECORD_BYTES);
      if (!rec) break;
      const start = pos;
      pos = rec.next;
      if (rec.end === start || buf[start] === commentCode) {
        skip(buf.toString("utf8", start, rec.end));
        line += 1 + rec.innerLines;
        continue;
      }
      const startLine = line + 1;
      line += 1 + rec.innerLines;
      if (headerLeft > 0) {
        headerLeft--;
        continue;
      }
      const number = ++result.records;
      const trailing = rec.fields === layout.fields + 1 && buf[rec.end - 1] === codes.delimiter && !rec.badQuote;
      const replaced = damaged && buf.subarray(start, rec.end).includes(REPLACEMENT);
      if ((rec.fields === layout.fields || trailing) && !rec.badQuote && !replaced) {
        good.record(number, codes.delimiter, buf, start, trailing ? rec.end - 1 : rec.end);
      } else {
        result.malformed++;
        const reason = replaced
          ? `line ${startLine}: invalid UTF-8 bytes (shown as U+FFFD)`
          : rec.badQuote
          ? `line ${startLine}: a quote is not closed, or text follows a closing quote`
          : `line ${startLine}: ${rec.fields} field${rec.fields === 1 ? "" : "s"} where the header has ${layout.fields}`;
        const raw = buf.toString("utf8", start, Math.min(rec.end, start + MAX_RAW_CHARS * 4)).slice(0, MAX_RAW_CHARS);
        await bad.write(Buffer.from(`${JSON.stringify({ row: number, line: startLine, raw, reason })}\n`));
      }
    }
    return pos;
  };

  let first = true;
  for await (const chunk of createReadStream(path, STREAM_CHUNK)) {
    let buf = leftover.length ? Buffer.concat([leftover, chunk as Buffer]) : (chunk as Buffer);
    if (first) buf = buf.subarray(bomLength(buf));
    first = false;
    const used = await consume(buf, false);
    leftover = buf.subarray(used);
    // A record is bounded (a quote left open is cut at MAX_RECORD_BYTES), so only a line with no end can get here.
    if (leftover.length > 2 * MAX_RECORD_BYTES) {
      throw new MalformedFileError(`a line of more than ${2 * MAX_RECORD_BYTES} bytes without a line end: not a CSV file`);
    }
  }
  if (leftover.length) await consume(leftover, true);
  await good.close();
  await bad.close();
  return result;
}

/**
 * The record at `start` when it is one line without quotes, ended by `\n` or `\r\n` before
 * `nextQuote`: its fields are its delimiters plus one. Anything else (a quote, a lone `\r`, the
 * buffer's end) is left to `parseRecord`.
 */
function plainLine(buf: Buffer, start: number, nextQuote: number, delimiter: number): ParsedRecord | undefined {
  const lf = buf.indexOf(10, start);
  if (lf < 0 || lf > nextQuote) return undefined;
  let fields = 1;
  for (let i = start; i < lf; i++) {
    const b = buf[i];
    if (b === delimiter) fields++;
    else if (b === 13 && i !== lf - 1) return undefined;
  }
  const end = lf > start && buf[lf - 1] === 13 ? lf - 1 : lf;
  return { next: lf + 1, end, fields, innerLines: 0, badQuote: false };
}
/** Bytes buffered before a write to disk. */
const BLOCK = 1 << 20;

/** U+FFFD in UTF-8: what invalid bytes became. */
const REPLACEMENT = Buffer.from("\uFFFD");

/** Buffers small writes into large ones, waiting for the disk when it lags. */
class Chunked {
  private parts: Buffer[] = [];
  private size = 0;
  private block = Buffer.allocUnsafe(BLOCK);
  private used = 0;
  private readonly stream: WriteStream;

  constructor(stream: WriteStream) {
    this.stream = stream;
  }

  /** True once enough is buffered to be worth a write: the caller awaits `flush` then. */
  get full(): boolean {
    return this.size + this.used >= BLOCK;
  }

  /** Appends `<number><delimiter><bytes>\n` without allocating per record. */
  record(number: number, delimiter: number, buf: Buffer, start: number, end: number): void {
    const need = 24 + end - start;
    if (this.used + need > this.block.length) {
      this.keepBlock();
      if (need > this.block.length) this.block = Buffer.allocUnsafe(need);
    }
    this.used += this.block.write(String(number), this.used, "latin1");
    this.block[this.used++] = delimiter;
    this.used += buf.copy(this.block, this.used, start, end);
    this.block[this.used++] = 10;
  }

  private keepBlock(): void {
    if (!this.used) return;
    this.parts.push(this.block.subarray(0, this.used));
    this.size += this.used;
    this.block = Buffer.allocUnsafe(BLOCK);
    this.used = 0;
  }

  async write(...parts: Buffer[]): Promise<void> {
    for (const p of parts) {
      this.parts.push(p);
      this.size += p.length;
    }
    if (this.full) await this.flush();
  }

  async flush(): Promise<void> {
    this.keepBlock();
    if (!this.size) return;
    const data = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(data)) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, "finish");
  }
}
