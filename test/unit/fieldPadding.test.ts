import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine } from "../../core/engine/engine.ts";
import { MAX_RECORD_BYTES } from "../../core/format/csvLayout.ts";
import type { CsvChars } from "../../core/format/csvRecords.ts";
import { PaddingScan, TRIMMED_SPACES } from "../../core/format/fieldPadding.ts";

/**
 * The scan decides whether the source table is stored without `trim` (core/silver/loadSource.ts):
 * a file it calls unpadded must hold no value `trim` would change, or silver would keep padding
 * it used to lose. Every case runs with the file cut into chunks at every place.
 */
const COMMA: CsvChars = { delimiter: ",", quote: '"', escape: '"' };

function padded(text: string, chars = COMMA, header = false, cut?: number): boolean {
  const bytes = Buffer.from(text);
  const scan = new PaddingScan(chars, header);
  if (cut === undefined) scan.push(bytes);
  else {
    scan.push(bytes.subarray(0, cut));
    scan.push(bytes.subarray(cut));
  }
  return scan.end();
}

/** The answer for the whole text, checked to be the same for every cut into two chunks and for 3-byte chunks. */
function scanned(text: string, chars = COMMA, header = false): boolean {
  const whole = padded(text, chars, header);
  const bytes = Buffer.from(text);
  for (let cut = 0; cut <= bytes.length; cut++) expect(padded(text, chars, header, cut), `cut at byte ${cut}`).toBe(whole);
  const small = new PaddingScan(chars, header);
  for (let i = 0; i < bytes.length; i += 3) small.push(bytes.subarray(i, i + 3));
  expect(small.end(), "3-byte chunks").toBe(whole);
  return whole;
}

describe("the padding scan of a CSV file read one record per line", () => {
  it("knows every character DuckDB's trim removes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "etl-trim-"));
    const engine = await Engine.open({ scratchDir: dir });
    try {
      const rows = await engine.rows<{ cp: bigint }>(
        `SELECT cp FROM range(1, 1114112) t(cp)
         WHERE (cp < 55296 OR cp > 57343) AND (trim(chr(cp::INT) || 'a') <> chr(cp::INT) || 'a' OR trim('a' || chr(cp::INT)) <> 'a' || chr(cp::INT))
         ORDER BY cp`,
      );
      expect(rows.map((r) => Number(r.cp))).toEqual(TRIMMED_SPACES);
    } finally {
      engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds no padding where spaces sit inside fields, quoted delimiters included", () => {
    expect(scanned("1,Customer 12,2024-01-05 10:00:00\n2,b,c\n")).toBe(false);
    expect(scanned('1,"Smith, John",x\n2,"a ,b",y\r\n')).toBe(false);
    expect(scanned('1,"a""b"", c",x\n')).toBe(false);
    expect(scanned("1,café au lait,x\n")).toBe(false);
    expect(scanned("1\ta b\tc\n", { delimiter: "\t", quote: '"', escape: '"' })).toBe(false);
  });

  it("ignores a header row's spaces when told the first line is one", () => {
    expect(scanned("id, name \n1,a\n", COMMA, true)).toBe(false);
    expect(scanned("id, name \n1,a\n", COMMA, false)).toBe(true);
  });

  it.each([
    ["after a delimiter", "1, a\n"],
    ["before a delimiter", "1,a ,b\n"],
    ["at a line's start", "1,a\n 2,b\n"],
    ["at the first line's start", " 1,a\n"],
    ["after a byte order mark", "\uFEFF 1,a\n"],
    ["before a line feed", "1,a \n"],
    ["before CRLF", "1,a \r\n"],
    ["at the end of a file without a last line feed", "1,a\n2,b "],
    ["inside an opening quote", '1," a"\n'],
    ["inside a closing quote", '1,"a "\n'],
    ["at a quoted field's end after its comma", '1,"x, "\n'],
    ["between a closing quote and a delimiter", '1,"a" ,b\n'],
  ])("finds a space %s", (_, text) => {
    expect(scanned(text)).toBe(true);
  });

  it("counts every other space separator as padding wherever it is", () => {
    for (const cp of TRIMMED_SPACES.filter((c) => c !== 0x20)) {
      expect(scanned(`1,a${String.fromCodePoint(cp)}\n`), cp.toString(16)).toBe(true);
      expect(padded(`1,a${String.fromCodePoint(cp)}b\n`), cp.toString(16)).toBe(true);
    }
  });

  it("counts quotes only when an escaped quote is two of them", () => {
    const backslash = { delimiter: ",", quote: '"', escape: "\\" };
    expect(scanned('1,"Smith, John"\n', backslash)).toBe(true);
    expect(scanned("1,Smith John\n", backslash)).toBe(false);
  });

  it("reads a delimiter by its byte, and counts one that is a space as padding", () => {
    const pipes = { delimiter: "||", quote: '"', escape: '"' };
    expect(scanned("1|| a||b\n", pipes)).toBe(true);
    expect(scanned("1|a b||c\n", pipes)).toBe(false);
    expect(padded("1 a\n", { delimiter: " ", quote: '"', escape: '"' })).toBe(true);
  });

  it("stops holding a line longer than a record may be, and calls it padded", () => {
    const scan = new PaddingScan(COMMA, false);
    const chunk = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < (2 * MAX_RECORD_BYTES) / chunk.length + 1; i++) scan.push(chunk);
    scan.push(Buffer.from("\n1,a\n"));
    expect(scan.end()).toBe(true);
  });
});
