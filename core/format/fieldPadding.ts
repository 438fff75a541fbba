import { isAscii } from "node:buffer";
import { bomLength, MAX_RECORD_BYTES } from "./csvLayout.ts";
import { csvCodes, type CsvChars } from "./csvRecords.ts";

/**
 * The characters DuckDB's `trim` removes from either end of a value: Unicode's space separators
 * (category Zs). test/unit/fieldPadding.test.ts asks DuckDB for its own set, so an engine that
 * trimmed more would fail there before it could keep padding in silver.
 */
export const TRIMMED_SPACES = [0x20, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x202f, 0x205f, 0x3000];

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const OTHER_SPACES = TRIMMED_SPACES.filter((c) => c !== SPACE).map((c) => Buffer.from(String.fromCodePoint(c)));

/**
 * Whether any field of a CSV file read one record per line may begin or end with a character
 * `trim` removes, fed the file's chunks as its lines are counted: when none can, the source table
 * is stored without trimming every value (5M rows: 2.1-3.1 s instead of 3.6-5.4 s to store it).
 *
 * Never wrong the other way: an ASCII space next to a line end, a quote, or a delimiter outside
 * quotes (quotes counted from the line's start: a file read this way has no quoted line breaks,
 * or its read does not stand and it is split and trimmed as always), and any other Zs character
 * anywhere, count as padding. So do a header the caller cannot skip and lines longer than a
 * record may be. Only a space inside a field ("Smith, John", "Customer 12") is left out.
 */
export class PaddingScan {
  private padded: boolean;
  private carry: Buffer = Buffer.alloc(0);
  private blocks = 0;
  private readonly delimiter: number;
  private readonly quote: number;
  /** Quotes can be counted only when an escaped quote is two quotes (or there is no escape). */
  private readonly countQuotes: boolean;

  /** Whether the first line is a header row, whose cells are never values. */
  private readonly header: boolean;

  constructor(chars: CsvChars, header: boolean) {
    this.header = header;
    // A dialect's characters are one ASCII character each (core/config/dataset.ts): one byte.
    ({ delimiter: this.delimiter, quote: this.quote } = csvCodes(chars));
    this.countQuotes = this.quote >= 0 && (chars.escape === chars.quote || chars.escape === "");
    // A delimiter or quote that is itself a space leaves nothing to tell apart: count it as padding.
    this.padded = this.delimiter === SPACE || this.quote === SPACE;
  }

  /** The next chunk of the file, in order. */
  push(chunk: Buffer): void {
    if (this.padded) return;
    const first = chunk.indexOf(LF);
    if (first < 0) {
      this.carry = Buffer.concat([this.carry, chunk]);
      // A line past the reader's limit fails the direct read anyway: stop holding it.
      if (this.carry.length > 2 * MAX_RECORD_BYTES) this.found();
      return;
    }
    // Blocks of whole lines: the carried start of a line with its end (one line), then the chunk's whole lines.
    this.block(this.carry.length ? Buffer.concat([this.carry, chunk.subarray(0, first + 1)]) : chunk.subarray(0, first + 1));
    const last = chunk.lastIndexOf(LF);
    if (last > first) this.block(chunk.subarray(first + 1, last + 1));
    this.carry = chunk.subarray(last + 1);
  }

  /** Whether the file may hold padding, once every chunk was pushed. */
  end(): boolean {
    if (this.carry.length) this.block(this.carry);
    this.carry = Buffer.alloc(0);
    return this.padded;
  }

  private found(): void {
    this.padded = true;
    this.carry = Buffer.alloc(0);
  }

  /** Whole lines from a line start; the last may lack its line feed (the file's end). The first block is the first line. */
  private block(lines: Buffer): void {
    if (this.padded) return;
    const first = this.blocks++ === 0;
    if (first && this.header) return;
    if (this.padding(first ? lines.subarray(bomLength(lines)) : lines)) this.found();
  }

  private padding(b: Buffer): boolean {
    for (let i = b.indexOf(SPACE); i >= 0; i = b.indexOf(SPACE, i + 1)) {
      const prev = i > 0 ? b[i - 1] : LF;
      const next = i + 1 < b.length ? b[i + 1] : LF;
      if (prev === LF || next === LF || next === CR || prev === this.quote || next === this.quote) return true;
      if ((prev === this.delimiter || next === this.delimiter) && (!this.countQuotes || this.outsideQuotes(b, i))) return true;
    }
    return !isAscii(b) && OTHER_SPACES.some((s) => b.includes(s));
  }

  /** Whether position `i` lies outside quotes: an even number of quotes since its line's start. */
  private outsideQuotes(b: Buffer, i: number): boolean {
    let quotes = 0;
    for (let j = b.lastIndexOf(LF, i) + 1; j < i; j++) if (b[j] === this.quote) quotes++;
    return quotes % 2 === 0;
  }
}

