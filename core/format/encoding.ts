import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { MalformedFileError } from "../errors.ts";

/** What the first bytes say about a text file's encoding: a BOM is certain, anything else a guess. */
export function detectEncoding(head: Uint8Array): "utf-8" | "utf-16le" | "utf-16be" {
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  // UTF-16 without a BOM: ASCII text leaves every other byte zero.
  const pairs = Math.min(256, head.length >> 1);
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZero++;
    if (head[2 * i + 1] === 0) oddZero++;
  }
  if (pairs >= 8 && oddZero > pairs * 0.6 && evenZero < pairs * 0.1) return "utf-16le";
  if (pairs >= 8 && evenZero > pairs * 0.6 && oddZero < pairs * 0.1) return "utf-16be";
  return "utf-8";
}

/** Decodes the head of a file as text for sniffing, in the encoding its bytes suggest. */
export function decodeHead(head: Uint8Array): string {
  return new TextDecoder(detectEncoding(head), { fatal: false }).decode(head).replace(/^\uFEFF/, "");
}

/**
 * Makes sure DuckDB reads UTF-8 (DESIGN.md decision 9): a UTF-8 file is only checked, anything
 * else is converted while streaming, never held in memory. Without a BOM or a declared encoding,
 * bytes that are not valid UTF-8 are read as Windows-1252 (a superset of Latin-1's printable
 * characters, what spreadsheet exports on Western systems write). Returns the path to read and
 * the encoding the file was in.
 */
export async function toUtf8(
  path: string,
  fileName: string,
  declared?: string,
): Promise<{ path: string; encoding: string }> {
  const head = await readHead(path, 4096);
  const encoding = declared ?? detectEncoding(head);
  if (encoding === "utf-8" && (declared || (await isValidUtf8(path)))) return { path, encoding: "utf-8" };
  const source = encoding === "utf-8" ? "windows-1252" : encoding;
  const decoder = decoderFor(source, fileName);
  const out = `${path}.utf8`;
  const writer = createWriteStream(out);
  for await (const chunk of createReadStream(path)) {
    if (!writer.write(decoder.decode(chunk as Buffer, { stream: true }))) await once(writer, "drain");
  }
  writer.end(decoder.decode());
  await once(writer, "finish");
  return { path: out, encoding: source };
}

function decoderFor(label: string, fileName: string) {
  try {
    return new TextDecoder(label, { fatal: false });
  } catch (error) {
    throw new MalformedFileError(`${fileName}: unknown encoding "${label}"`, { cause: error });
  }
}

async function isValidUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of createReadStream(path)) decoder.decode(chunk as Buffer, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) return chunk as Buffer;
  return new Uint8Array();
}
