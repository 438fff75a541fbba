import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";
import { STREAM_CHUNK } from "../../core/io/streamChunk.ts";

/** The flexible checksums the store verifies and keeps (the SDK's default is CRC32). */
export const CHECKSUMS = ["crc32", "sha1", "sha256"] as const;
export type ChecksumAlgorithm = (typeof CHECKSUMS)[number];
export type Checksum = { algorithm: ChecksumAlgorithm; value: string };

/** The checksum a request announces, by header or trailer name (`x-amz-checksum-crc32`). */
export function checksumAlgorithm(headerName: string | undefined): ChecksumAlgorithm | undefined {
  const name = headerName?.toLowerCase().replace(/^x-amz-checksum-/, "");
  return CHECKSUMS.find((a) => a === name);
}

/** Passes bytes through while counting them and computing their MD5 (the ETag) and a checksum. */
export class Digest extends Transform {
  bytes = 0;
  private readonly md5 = createHash("md5");
  private crc = 0;
  private readonly sha: Hash | undefined;

  private readonly algorithm?: ChecksumAlgorithm;

  constructor(algorithm?: ChecksumAlgorithm) {
    super(STREAM_CHUNK);
    this.algorithm = algorithm;
    this.sha = algorithm === "sha1" || algorithm === "sha256" ? createHash(algorithm) : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.md5.update(chunk);
    if (this.algorithm === "crc32") this.crc = crc32(chunk, this.crc);
    this.sha?.update(chunk);
    callback(null, chunk);
  }

  /** Hex MD5 of everything that passed; call once, after the end. */
  md5Hex(): string {
    return this.md5.digest("hex");
  }

  /** The checksum in S3's base64 form, when one was asked for. */
  checksum(): Checksum | undefined {
    if (!this.algorithm) return undefined;
    if (this.sha) return { algorithm: this.algorithm, value: this.sha.digest("base64") };
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(this.crc >>> 0);
    return { algorithm: this.algorithm, value: crc.toString("base64") };
  }
}
