import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { UnsupportedFormatError } from "../../core/errors.ts";
import { isGzip, sniffFormat } from "../../core/format/sniffFormat.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("sniffFormat", () => {
  it("detects Parquet from its magic bytes, whatever the name", () => {
    const head = new Uint8Array([0x50, 0x41, 0x52, 0x31, 0x15, 0x04, 0x00, 0x00]);

    const format = sniffFormat(head, "export.csv");

    expect(format).toBe("parquet");
  });

  it("rejects a ZIP archive (an Excel workbook) with a message naming the file", () => {
    const head = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);

    const sniff = () => sniffFormat(head, "sales.xlsx");

    expect(sniff).toThrow(UnsupportedFormatError);
    expect(sniff).toThrow(/sales\.xlsx.*ZIP/);
  });

  it("rejects binary bytes containing NUL", () => {
    const head = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]);

    const sniff = () => sniffFormat(head, "a.out");

    expect(sniff).toThrow(UnsupportedFormatError);
    expect(sniff).toThrow(/a\.out.*NUL/);
  });

  it("detects a JSON array, with leading whitespace", () => {
    const head = bytes('\n  [{"a": 1}, {"a": 2}]');

    const format = sniffFormat(head, "a.txt");

    expect(format).toBe("json");
  });

  it("detects NDJSON when the first line is a whole JSON object", () => {
    const head = bytes('{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n');

    const format = sniffFormat(head, "a.json");

    expect(format).toBe("ndjson");
  });

  it("detects NDJSON with CRLF line ends", () => {
    const head = bytes('{"a": 1}\r\n{"a": 2}\r\n');

    const format = sniffFormat(head, "a.json");

    expect(format).toBe("ndjson");
  });

  it("detects a single pretty-printed JSON object as JSON, not NDJSON", () => {
    const head = bytes('{\n  "a": 1,\n  "b": [1, 2]\n}\n');

    const format = sniffFormat(head, "a.json");

    expect(format).toBe("json");
  });

  it("ignores a UTF-8 byte order mark", () => {
    const bom = [0xef, 0xbb, 0xbf];

    const json = sniffFormat(new Uint8Array([...bom, ...bytes('[{"a":1}]')]), "a.json");
    const ndjson = sniffFormat(new Uint8Array([...bom, ...bytes('{"a":1}\n')]), "a.json");
    const csv = sniffFormat(new Uint8Array([...bom, ...bytes("a,b\n1,2\n")]), "a.csv");

    expect([json, ndjson, csv]).toEqual(["json", "ndjson", "csv"]);
  });

  it("falls back to CSV for other text, including delimiters other than commas", () => {
    const heads = ["id,name\n1,x\n", "id;name\n1;x\n", "id\tname\n1\tx\n", "just one line"];

    const formats = heads.map((h) => sniffFormat(bytes(h), "data.bin"));

    expect(formats).toEqual(["csv", "csv", "csv", "csv"]);
  });

  it("reads accented UTF-8 text as CSV", () => {
    const head = bytes("prénom,ville\nJosé,Zürich\n");

    const format = sniffFormat(head, "a.csv");

    expect(format).toBe("csv");
  });
});

describe("isGzip", () => {
  it("detects a gzip stream from its magic bytes", () => {
    const head = gzipSync(bytes("a,b\n1,2\n"));

    const gzip = isGzip(head);

    expect(gzip).toBe(true);
  });

  it("is false for plain text, Parquet and short input", () => {
    const heads = [bytes("a,b\n"), new Uint8Array([0x50, 0x41, 0x52, 0x31]), new Uint8Array([0x1f]), new Uint8Array([])];

    const results = heads.map(isGzip);

    expect(results).toEqual([false, false, false, false]);
  });
});
