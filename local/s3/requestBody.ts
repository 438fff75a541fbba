import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { AwsChunkedDecoder } from "./awsChunked.ts";
import { checksumAlgorithm, type ChecksumAlgorithm } from "./digest.ts";
import { S3Error } from "./errors.ts";
import type { DiskStore, Received } from "./store.ts";

/** Small XML bodies (DeleteObjects, CompleteMultipartUpload, …) are read whole; S3 caps them too. */
const MAX_XML_BYTES = 2 * 1024 * 1024;

const badDigest = (what: string) => new S3Error(400, "BadDigest", `The ${what} you specified did not match the calculated checksum.`);

function isChunked(req: IncomingMessage): boolean {
  const encoding = String(req.headers["content-encoding"] ?? "");
  return encoding.split(",").some((e) => e.trim() === "aws-chunked") || String(req.headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
}

/**
 * Streams an object body into the store's temp folder, undoing `aws-chunked` framing, and checks
 * what the client declared: decoded length, Content-MD5, and the flexible checksum sent as a
 * header or as a trailer after the last chunk. The checksum is kept with the object. With `into`
 * the bytes go into that file from that offset, and the caller undoes a refused body.
 */
export async function receiveBody(req: IncomingMessage, store: DiskStore, into?: { path: string; start: number }): Promise<Received> {
  const trailer = String(req.headers["x-amz-trailer"] ?? "") || undefined;
  const announced = trailer ?? Object.keys(req.headers).find((h) => h.startsWith("x-amz-checksum-") && h !== "x-amz-checksum-mode" && h !== "x-amz-checksum-type");
  const algorithm: ChecksumAlgorithm | undefined =
    checksumAlgorithm(announced) ?? checksumAlgorithm(String(req.headers["x-amz-sdk-checksum-algorithm"] ?? "") || undefined);
  let body: Readable = req;
  let decoder: AwsChunkedDecoder | undefined;
  if (isChunked(req)) body = req.pipe((decoder = new AwsChunkedDecoder()));
  // A client going away mid-body must fail the write, not commit what arrived.
  req.once("aborted", () => body.destroy(new S3Error(400, "IncompleteBody", "The request body ended early")));
  const received = await store.receive(body, algorithm, into);
  try {
    const decodedLength = req.headers["x-amz-decoded-content-length"];
    if (decoder && decodedLength !== undefined && Number(decodedLength) !== received.size) {
      throw new S3Error(400, "IncompleteBody", `Received ${received.size} bytes, ${decodedLength} declared`);
    }
    const md5 = req.headers["content-md5"];
    if (typeof md5 === "string" && Buffer.from(md5, "base64").toString("hex") !== received.md5) throw badDigest("Content-MD5");
    if (received.checksum) {
      const name = `x-amz-checksum-${received.checksum.algorithm}`;
      const expected = decoder?.trailers.get(name) ?? req.headers[name];
      if (expected !== undefined && expected !== received.checksum.value) throw badDigest(received.checksum.algorithm.toUpperCase());
    }
    return received;
  } catch (error) {
    if (!into) await store.discard(received.path);
    throw error;
  }
}

/** A small XML (or empty) request body as text, undoing `aws-chunked` framing if any. */
export async function readXmlBody(req: IncomingMessage): Promise<string> {
  const body: Readable = isChunked(req) ? req.pipe(new AwsChunkedDecoder()) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_XML_BYTES) throw new S3Error(400, "MaxMessageLengthExceeded", "Your request was too big");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
