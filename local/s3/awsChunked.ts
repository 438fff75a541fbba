import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "./errors.ts";

const CRLF = Buffer.from("\r\n");
/** Longer chunk-size or trailer lines are not S3's framing. */
const MAX_LINE = 8192;

const incomplete = (why: string) => new S3Error(400, "IncompleteBody", `Malformed aws-chunked body: ${why}`);

/**
 * Decodes an `aws-chunked` request body (`content-encoding: aws-chunked`, what the SDK sends for
 * streaming uploads): `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0…\r\n`, then trailer
 * lines (`x-amz-checksum-crc32:…`) and an empty line. Emits only the payload bytes; the trailers
 * are in `trailers` once the stream has ended. Signatures are not checked (nor are they locally
 * for unchunked bodies).
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private line = Buffer.alloc(0);
  private remaining = 0;
  private state: "size" | "data" | "dataEnd" | "trailer" | "done" = "size";

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === "done" ? undefined : incomplete("the body ended before its last chunk"));
  }

  private consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.state === "data") {
        const take = Math.min(this.remaining, chunk.length - at);
        this.push(chunk.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = "dataEnd";
        continue;
      }
      if (this.state === "done") throw incomplete("bytes after the last chunk");
      const end = chunk.indexOf(CRLF[1], at);
      if (end === -1) {
        this.appendLine(chunk.subarray(at));
        return;
      }
      this.appendLine(chunk.subarray(at, end + 1));
      at = end + 1;
      // A line ends at LF; the CR before it may have come in the previous chunk.
      if (this.line.length < 2 || this.line[this.line.length - 2] !== CRLF[0]) continue;
      const text = this.line.subarray(0, this.line.length - 2).toString("latin1");
      this.line = Buffer.alloc(0);
      this.onLine(text);
    }
  }

  private appendLine(part: Buffer): void {
    this.line = this.line.length ? Buffer.concat([this.line, part]) : Buffer.from(part);
    if (this.line.length > MAX_LINE) throw incomplete("a framing line is too long");
  }

  private onLine(text: string): void {
    if (this.state === "dataEnd") {
      if (text !== "") throw incomplete("a chunk is longer than its size");
      this.state = "size";
    } else if (this.state === "size") {
      const size = parseInt(text.split(";")[0], 16);
      if (!/^[0-9a-fA-F]+$/.test(text.split(";")[0]) || !Number.isSafeInteger(size)) throw incomplete(`bad chunk size line ${JSON.stringify(text)}`);
      if (size === 0) this.state = "trailer";
      else {
        this.remaining = size;
        this.state = "data";
      }
    } else if (text === "") {
      this.state = "done";
    } else {
      const colon = text.indexOf(":");
      if (colon <= 0) throw incomplete(`bad trailer line ${JSON.stringify(text)}`);
      this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
    }
  }
}
