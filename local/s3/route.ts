import type { IncomingHttpHeaders } from "node:http";
import type { S3Call } from "./call.ts";
import { invalidArgument, notImplemented, S3Error } from "./errors.ts";

/** A request as the store sees it: the call the hooks judge, and its query parameters. */
export type Routed = { call: S3Call; query: URLSearchParams };

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error(400, "InvalidURI", `Couldn't parse the specified URI: ${text}`);
  }
}

/** `Credential=AKID/date/region/s3/aws4_request` of a SigV4 header or a presigned URL. */
export function accessKeyId(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const credential = /Credential=([^,\s]+)/.exec(headers.authorization ?? "")?.[1] ?? query.get("X-Amz-Credential") ?? undefined;
  return credential?.split("/")[0] || undefined;
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, the key URL-encoded. */
export function parseCopySource(header: string): NonNullable<S3Call["copySource"]> {
  const [path, search = ""] = header.split("?", 2);
  const decoded = decode(path.replace(/^\//, ""));
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) throw invalidArgument(`Copy Source must mention the source bucket and key: ${header}`);
  const versionId = new URLSearchParams(search).get("versionId") ?? undefined;
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId !== undefined ? { versionId } : {}) };
}

/**
 * Path-style routing: `/<bucket>` and `/<bucket>/<key>`, the key URL-decoded exactly as sent
 * (never normalised: `a//b`, `./x` and a trailing `/` are keys like any other).
 */
export function route(method: string, url: string, headers: IncomingHttpHeaders): Routed {
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
  const slash = path.indexOf("/", 1);
  const bucket = decode(slash === -1 ? path.slice(1) : path.slice(1, slash));
  const rawKey = slash === -1 ? "" : path.slice(slash + 1);
  if (!bucket) throw notImplemented("ListBuckets");
  const key = rawKey ? decode(rawKey) : undefined;
  const versionId = query.get("versionId") ?? undefined;
  const base = { bucket, accessKeyId: accessKeyId(headers, query) };
  const call = (operation: S3Call["operation"], extra: Partial<S3Call> = {}): Routed => ({ call: { operation, ...base, ...extra }, query });

  if (key === undefined) {
    if (method === "PUT") return call(query.has("versioning") ? "PutBucketVersioning" : "CreateBucket");
    if (method === "HEAD") return call("HeadBucket");
    if (method === "DELETE") return call("DeleteBucket");
    if (method === "POST" && query.has("delete")) return call("DeleteObjects");
    if (method === "GET") {
      if (query.has("versioning")) return call("GetBucketVersioning");
      if (query.has("versions")) return call("ListObjectVersions");
      if (query.get("list-type") === "2") return call("ListObjectsV2");
    }
    throw notImplemented(`${method} on a bucket with ${[...query.keys()].join(", ") || "no parameters"}`);
  }
  if (Buffer.byteLength(key) > 1024) throw new S3Error(400, "KeyTooLongError", "Your key is too long");
  const withKey = { key, ...(versionId !== undefined ? { versionId } : {}) };
  if (method === "PUT") {
    if (query.has("uploadId") && query.has("partNumber")) {
      if (headers["x-amz-copy-source"]) throw notImplemented("UploadPartCopy");
      return call("UploadPart", withKey);
    }
    const source = headers["x-amz-copy-source"];
    if (typeof source === "string") return call("CopyObject", { key, copySource: parseCopySource(source) });
    if ([...query.keys()].some((k) => k !== "x-id")) throw notImplemented(`PUT on an object with ${[...query.keys()].join(", ")}`);
    return call("PutObject", { key });
  }
  if (method === "GET" || method === "HEAD") {
    if (query.has("uploadId") || query.has("tagging") || query.has("acl")) throw notImplemented(`${method} ${[...query.keys()].join(", ")}`);
    return call(method === "GET" ? "GetObject" : "HeadObject", withKey);
  }
  if (method === "DELETE") return call(query.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject", withKey);
  if (method === "POST") {
    if (query.has("uploads")) return call("CreateMultipartUpload", { key });
    if (query.has("uploadId")) return call("CompleteMultipartUpload", { key });
  }
  throw notImplemented(`${method} on an object`);
}
