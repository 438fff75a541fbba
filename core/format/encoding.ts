import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { isUtf8 } from "node:buffer";
import { MalformedFileError } from "../errors.ts";
import { STREAM_CHUNK } from "../io/streamChunk.ts";

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

/** A file converted to UTF-8 for DuckDB: where it is, what it was, and how many invalid UTF-8 sequences became U+FFFD. */
export type Utf8File = { path: string; encoding: string; invalidSequences: number };

/**
 * Makes sure DuckDB reads UTF-8 (docs/design.md decision 9): a UTF-8 file is only checked, anything
 * else is converted while streaming, never held in memory. Without a BOM or a declared encoding,
 * bytes that are not valid UTF-8 decide per file: when the file's valid multi-byte sequences
 * outnumber its invalid ones it is UTF-8 with a few damaged bytes, which become U+FFFD and are
 * counted (the caller quarantines or keeps their rows), never a reason to re-read every row as
 * another encoding. Otherwise it is read as Windows-1252 (a superset of Latin-1's printable
 * characters, what spreadsheet exports on Western systems write).
 */
export async function toUtf8(path: string, fileName: string, declared?: string): Promise<Utf8File> {
  const head = await readHead(path, 4096);
  const encoding = declared ?? detectEncoding(head);
  let source = encoding;
  let invalidSequences = 0;
  if (encoding === "utf-8") {
    if (declared || (await isUtf8File(path))) return { path, encoding, invalidSequences };
    const utf8 = await scanUtf8(path);
    if (utf8.invalid === 0) return { path, encoding, invalidSequences };
    if (utf8.valid > utf8.invalid) invalidSequences = utf8.invalid;
    else source = "windows-1252";
  }
  const decoder = decoderFor(source, fileName);
  const out = `${path}.utf8`;
  const writer = createWriteStream(out, STREAM_CHUNK);
  for await (const chunk of createReadStream(path, STREAM_CHUNK)) {
    if (!writer.write(decoder.decode(chunk as Buffer, { stream: true }))) await once(writer, "drain");
  }
  writer.end(decoder.decode());
  await once(writer, "finish");
  return { path: out, encoding: source, invalidSequences };
}

/**
 * Whether a whole file is valid UTF-8, streaming, with Node's native validator (simdutf): the
 * common case costs a fraction of counting byte by byte in JS (`scanUtf8`, which runs only on a
 * file that fails here). A sequence cut by a chunk's end is carried over to the next chunk.
 */
export async function isUtf8File(path: string): Promise<boolean> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, STREAM_CHUNK)) {
    const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const cut = completeLength(buf);
    if (!isUtf8(buf.subarray(0, cut))) return false;
    carry = buf.subarray(cut);
  }
  return carry.length === 0;
}

/** The length of `buf` without a multi-byte sequence its end cuts short (at most 3 bytes). */
function completeLength(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back];
    if (b >= 0x80 && b <= 0xbf) continue;
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return size > back ? buf.length - back : buf.length;
  }
  return buf.length;
}

/**
 * Counts a file's valid multi-byte UTF-8 sequences and its invalid bytes (a lead byte without its
 * continuation, a stray continuation, an overlong or out-of-range form), streaming.
 */
export async function scanUtf8(path: string): Promise<{ valid: number; invalid: number }> {
  let valid = 0;
  let invalid = 0;
  // Continuation bytes still expected, and the bounds of the next one (UTF-8's table 3-7).
  let need = 0;
  let lo = 0x80;
  let hi = 0xbf;
  for await (const chunk of createReadStream(path, STREAM_CHUNK)) {
    for (const b of chunk as Buffer) {
      if (need > 0) {
        if (b >= lo && b <= hi) {
          lo = 0x80;
          hi = 0xbf;
          if (--need === 0) valid++;
          continue;
        }
        invalid++;
        need = 0;
        lo = 0x80;
        hi = 0xbf;
      }
      if (b < 0x80) continue;
      if (b >= 0xc2 && b <= 0xdf) need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        if (b === 0xe0) lo = 0xa0;
        if (b === 0xed) hi = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        if (b === 0xf0) lo = 0x90;
        if (b === 0xf4) hi = 0x8f;
      } else invalid++;
    }
  }
  if (need > 0) invalid++;
  return { valid, invalid };
}

function decoderFor(label: string, fileName: string) {
  try {
    return new TextDecoder(label, { fatal: false });
  } catch (error) {
    throw new MalformedFileError(`${fileName}: unknown encoding "${label}"`, { cause: error });
  }
}

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) return chunk as Buffer;
  return new Uint8Array();
}
