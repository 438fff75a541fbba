import type { IncomingHttpHeaders } from "node:http";
import type { S3Call } from "../s3/call.ts";

/** XML text as S3 escapes it in a DeleteObjects body. */
function xmlText(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** The keys (and versions) a DeleteObjects body names. */
export function deleteKeys(xml: string): { key: string; versionId?: string }[] {
  return [...xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map(([, object]) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(object)?.[1] ?? "";
    const version = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(object)?.[1];
    return { key: xmlText(key), ...(version ? { versionId: xmlText(version) } : {}) };
  });
}

/** `x-amz-copy-source`: `bucket/key[?versionId=…]`, URL-encoded, with or without a leading slash. */
function copySource(header: string): S3Call["copySource"] {
  const [path, query] = header.replace(/^\//, "").split("?", 2);
  const slash = path.indexOf("/");
  const versionId = new URLSearchParams(query ?? "").get("versionId") ?? undefined;
  return {
    bucket: decodeURIComponent(path.slice(0, slash)),
    key: decodeURIComponent(path.slice(slash + 1)),
    ...(versionId ? { versionId } : {}),
  };
}

/**
 * Which S3 operation a path-style request is, with what S3 authorizes it on. Undefined for an
 * operation the pipeline never makes (bucket policies, ACLs, tagging…): the caller refuses those
 * for a function. `body` is needed for DeleteObjects only.
 */
export function parseS3Request(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  accessKeyId: string | undefined,
  body?: string,
): S3Call | undefined {
  const parsed = new URL(url, "http://s3.local");
  const [bucketPart, ...keyParts] = parsed.pathname.replace(/^\//, "").split("/");
  const bucket = decodeURIComponent(bucketPart);
  const key = keyParts.length ? decodeURIComponent(keyParts.join("/")) : undefined;
  const q = parsed.searchParams;
  const versionId = q.get("versionId") ?? undefined;
  const base = { bucket, ...(accessKeyId ? { accessKeyId } : {}) };
  const operation = (op: S3Call["operation"], extra: Partial<S3Call> = {}): S3Call => ({ operation: op, ...base, ...extra });
  if (!bucket) return undefined;
  if (key === undefined || key === "") {
    const sub = [...q.keys()].filter((k) => !["list-type", "prefix", "delimiter", "continuation-token", "max-keys", "start-after", "encoding-type", "fetch-owner", "key-marker", "version-id-marker", "marker", "x-id"].includes(k));
    if (method === "GET" && q.has("versions")) return operation("ListObjectVersions");
    if (method === "GET" && q.has("versioning")) return operation("GetBucketVersioning");
    if (method === "PUT" && q.has("versioning")) return operation("PutBucketVersioning");
    if (method === "POST" && q.has("delete")) return operation("DeleteObjects", { deleteKeys: deleteKeys(body ?? "") });
    if (sub.length) return undefined;
    if (method === "GET") return operation("ListObjectsV2");
    if (method === "HEAD") return operation("HeadBucket");
    if (method === "PUT") return operation("CreateBucket");
    return undefined;
  }
  const object = { key, ...(versionId ? { versionId } : {}) };
  const copy = headers["x-amz-copy-source"];
  switch (method) {
    case "GET":
      return q.has("uploadId") || q.has("acl") || q.has("tagging") ? undefined : operation("GetObject", object);
    case "HEAD":
      return operation("HeadObject", object);
    case "PUT":
      if (q.has("acl") || q.has("tagging")) return undefined;
      if (q.has("uploadId")) return copy ? undefined : operation("UploadPart", { key });
      return typeof copy === "string" ? operation("CopyObject", { key, copySource: copySource(copy) }) : operation("PutObject", { key });
    case "POST":
      if (q.has("uploads")) return operation("CreateMultipartUpload", { key });
      if (q.has("uploadId")) return operation("CompleteMultipartUpload", { key });
      return undefined;
    case "DELETE":
      if (q.has("uploadId")) return operation("AbortMultipartUpload", { key });
      return q.has("tagging") ? undefined : operation("DeleteObject", object);
  }
  return undefined;
}
