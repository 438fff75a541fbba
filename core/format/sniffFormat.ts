import { UnsupportedFormatError } from "../errors.ts";
import { decodeHead } from "./encoding.ts";

/** The formats the pipeline reads. */
export type DataFormat = "csv" | "json" | "ndjson" | "parquet";

const GZIP = [0x1f, 0x8b];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

/** True when the bytes start a gzip stream; any format may arrive gzipped. */
export function isGzip(head: Uint8Array): boolean {
  return startsWith(head, GZIP);
}

/**
 * Detects a file's format from its first (decompressed) bytes, not its name: uploads are often
 * misnamed. `fileName` only makes the error readable.
 */
export function sniffFormat(head: Uint8Array, fileName: string): DataFormat {
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) return "parquet";
  if (startsWith(head, ZIP)) {
    throw new UnsupportedFormatError(`${fileName} is a ZIP archive (an Excel workbook?); upload CSV, JSON, NDJSON or Parquet`);
  }
  const text = decodeHead(head);
  if (/\u0000/.test(text)) {
    throw new UnsupportedFormatError(`${fileName} looks binary (it contains NUL bytes); upload CSV, JSON, NDJSON or Parquet`);
  }
  const body = text.trimStart();
  if (body.startsWith("[")) return "json";
  if (body.startsWith("{")) {
    const firstLine = body.split(/\r?\n/, 1)[0];
    return isJson(firstLine) ? "ndjson" : "json";
  }
  return "csv";
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
