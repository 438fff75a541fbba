import { createReadStream, createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants, createGunzip, gunzipSync } from "node:zlib";
import { FileTooLargeError, MalformedFileError } from "../errors.ts";

/** The start of a possibly gzipped file, inflated as far as its first bytes go: enough to sniff. */
export function inflateHead(head: Uint8Array, fileName: string): Uint8Array {
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 4 * head.length + 65536 });
  } catch (error) {
    throw new MalformedFileError(`${fileName} starts like gzip but is not valid gzip: ${(error as Error).message}`, { cause: error });
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
    await pipeline(createReadStream(path), createGunzip(), limit, createWriteStream(out));
  } catch (error) {
    if (error instanceof FileTooLargeError) throw error;
    throw new MalformedFileError(`${fileName} is not a valid gzip file: ${(error as Error).message}`, { cause: error });
  }
}
