import { createReadStream, createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants, createGunzip, gunzipSync } from "node:zlib";
import { FileTooLargeError, MalformedFileError } from "../errors.ts";
import { STREAM_CHUNK } from "../io/streamChunk.ts";

/** Text inflated from a head for sniffing: enough to decide the format, never an unbounded buffer. */
const HEAD_OUTPUT_BYTES = 1 << 20;

/**
 * The start of a possibly gzipped file, inflated as far as its first bytes go: enough to sniff.
 * A highly compressible file inflates its head past any fixed buffer (an 11 MB CSV gzips to 70 KB),
 * so when the output would pass `HEAD_OUTPUT_BYTES` less of the head is inflated instead.
 */
export function inflateHead(head: Uint8Array, fileName: string): Uint8Array {
  let take = head.length;
  for (;;) {
    try {
      return gunzipSync(head.subarray(0, take), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_OUTPUT_BYTES });
    } catch (error) {
      const tooLarge = error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
      if (tooLarge && take > 64) {
        take = Math.floor(take / 2);
        continue;
      }
      throw new MalformedFileError(`${fileName} starts like gzip but is not valid gzip: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * Decompresses a gzip file to `out`, streaming, and stops past `maxBytes` of output: a small
 * upload must not fill the function's disk (a "gzip bomb").
 */
export async function gunzipFile(path: string, out: string, fileName: string, maxBytes: number): Promise<void> {
  let written = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      if (written > maxBytes) {
        done(new FileTooLargeError(`${fileName} decompresses to more than ${maxBytes} bytes (ETL_MAX_FILE_BYTES); split it into smaller files`));
      } else done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(path, STREAM_CHUNK), createGunzip(), limit, createWriteStream(out, STREAM_CHUNK));
  } catch (error) {
    if (error instanceof FileTooLargeError) throw error;
    throw new MalformedFileError(`${fileName} is not a valid gzip file: ${(error as Error).message}`, { cause: error });
  }
}
