import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { AwsChunkedDecoder } from "../../local/s3/awsChunked.ts";

/** Decodes `body` fed in pieces of `size` bytes. */
async function decode(body: Buffer, size: number) {
  const pieces = [];
  for (let i = 0; i < body.length; i += size) pieces.push(body.subarray(i, i + size));
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(pieces).pipe(decoder)) out.push(chunk as Buffer);
  return { bytes: Buffer.concat(out).toString(), trailers: Object.fromEntries(decoder.trailers) };
}

describe("aws-chunked bodies", () => {
  const unsigned = Buffer.from("5\r\nhello\r\n7\r\n, world\r\n0\r\nx-amz-checksum-crc32:4GlTmw==\r\n\r\n");
  const signed = Buffer.from("5;chunk-signature=ab12\r\nhello\r\n0;chunk-signature=cd34\r\n\r\n");

  it("gives the payload and the trailers, however the bytes are split", async () => {
    for (const size of [1, 2, 3, 7, 1000]) {
      expect(await decode(unsigned, size)).toEqual({ bytes: "hello, world", trailers: { "x-amz-checksum-crc32": "4GlTmw==" } });
      expect(await decode(signed, size)).toEqual({ bytes: "hello", trailers: {} });
    }
  });

  it("refuses a body cut short, a chunk longer than its size and a bad size line", async () => {
    await expect(decode(Buffer.from("5\r\nhel"), 4)).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(Buffer.from("3\r\nhello\r\n0\r\n\r\n"), 4)).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(Buffer.from("zz\r\nhello\r\n0\r\n\r\n"), 4)).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(Buffer.from(`${"1".repeat(9000)}\r\n`), 100)).rejects.toMatchObject({ code: "IncompleteBody" });
  });
});
