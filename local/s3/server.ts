import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { S3Call, S3Hooks } from "./call.ts";
import { invalidArgument, invalidRequest, malformedXml, S3Error } from "./errors.ts";
import { MAX_KEYS } from "./listing.ts";
import { Multipart } from "./multipart.ts";
import { readXmlBody, receiveBody } from "./requestBody.ts";
import { route } from "./route.ts";
import { DiskStore, type WriteConditions } from "./store.ts";
import type { Version } from "./version.ts";
import { element, elements, texts, xmlDocument, type XmlNode } from "./xml.ts";
import { STREAM_CHUNK } from "../../core/io/streamChunk.ts";

/** A running local S3: its endpoint, and how to stop it. */
export type S3Server = { url: string; store: DiskStore; stop: () => Promise<void> };

export type S3ServerOptions = {
  /** The store's folder; a temp folder removed on stop when absent. */
  root?: string;
  /** Where `<bucket>/<key>` files show the current objects; next to the temp store when absent. */
  lakeDir?: string;
  hooks?: S3Hooks;
};

/** What one request handler gets. */
type Exchange = { req: IncomingMessage; res: ServerResponse; call: S3Call; query: URLSearchParams };

const OWNER = { ID: "000000000000", DisplayName: "local" };

function metadataOf(req: IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith("x-amz-meta-") && value !== undefined) metadata[name.slice("x-amz-meta-".length)] = String(value);
  }
  return metadata;
}

function conditionsOf(req: IncomingMessage): WriteConditions {
  const header = (name: string) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : undefined);
  return { ifNoneMatch: header("if-none-match"), ifMatch: header("if-match") };
}

function maxKeys(query: URLSearchParams): number {
  const text = query.get("max-keys");
  if (text === null) return MAX_KEYS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw invalidArgument("Provided max-keys not an integer or within integer range");
  return Math.min(n, MAX_KEYS);
}

function sendXml(res: ServerResponse, status: number, root: string, body: XmlNode, headers: Record<string, string> = {}): void {
  const text = xmlDocument(root, body);
  res.writeHead(status, { ...headers, "content-type": "application/xml", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | undefined> = {}): void {
  const defined = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
  res.writeHead(status, { ...defined, "content-length": 0 });
  res.end();
}

/** Starts the store's HTTP endpoint on a free loopback port. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const temp = options.root ? undefined : await mkdtemp(join(tmpdir(), "etl-s3-"));
  const root = options.root ?? join(temp!, "store");
  const lakeDir = options.lakeDir ?? join(temp ?? root, "lake");
  const store = await DiskStore.open(root, lakeDir);
  const multipart = new Multipart(store);
  const hooks = options.hooks ?? {};

  /** The version id header: S3 sends it once a bucket has had versioning. */
  const versionHeader = (bucket: string, version: { versionId?: string }): Record<string, string> =>
    store.versioning(bucket) && version.versionId !== undefined ? { "x-amz-version-id": version.versionId } : {};

  function objectHeaders(bucket: string, v: Version): Record<string, string> {
    const headers: Record<string, string> = {
      etag: v.etag,
      "last-modified": new Date(v.lastModified).toUTCString(),
      "content-type": v.contentType ?? "binary/octet-stream",
      "accept-ranges": "bytes",
      ...versionHeader(bucket, v),
    };
    for (const [name, value] of Object.entries(v.metadata)) headers[`x-amz-meta-${name}`] = value;
    return headers;
  }

  const wrote = (call: S3Call) => hooks.onWrite?.(call);

  const handlers: Record<S3Call["operation"], (x: Exchange) => Promise<void> | void> = {
    async CreateBucket({ req, res, call }) {
      await readXmlBody(req);
      await store.createBucket(call.bucket);
      sendEmpty(res, 200, { location: `/${call.bucket}` });
    },
    HeadBucket({ res, call }) {
      store.headBucket(call.bucket);
      sendEmpty(res, 200, { "x-amz-bucket-region": process.env.AWS_REGION ?? "us-east-1" });
    },
    async DeleteBucket({ res, call }) {
      await store.deleteBucket(call.bucket);
      sendEmpty(res, 204);
    },
    async PutBucketVersioning({ req, res, call }) {
      const status = element(await readXmlBody(req), "Status");
      if (status !== "Enabled" && status !== "Suspended") throw malformedXml("Versioning Status must be Enabled or Suspended");
      await store.setVersioning(call.bucket, status);
      sendEmpty(res, 200);
    },
    GetBucketVersioning({ res, call }) {
      sendXml(res, 200, "VersioningConfiguration", { Status: store.versioning(call.bucket) });
    },

    async PutObject({ req, res, call }) {
      store.headBucket(call.bucket);
      const received = await receiveBody(req, store);
      const version = await store.commit(
        call.bucket,
        call.key!,
        received.path,
        { size: received.size, etag: `"${received.md5}"`, contentType: req.headers["content-type"], metadata: metadataOf(req), checksum: received.checksum },
        conditionsOf(req),
      );
      wrote(call);
      const checksum = version.checksum ? { [`x-amz-checksum-${version.checksum.algorithm}`]: version.checksum.value } : {};
      sendEmpty(res, 200, { etag: version.etag, ...versionHeader(call.bucket, version), ...checksum });
    },

    async GetObject(x) {
      await read(x, true);
    },
    async HeadObject(x) {
      await read(x, false);
    },

    async CopyObject({ req, res, call }) {
      const source = call.copySource!;
      store.headBucket(call.bucket);
      const directive = String(req.headers["x-amz-metadata-directive"] ?? "COPY").toUpperCase();
      if (source.bucket === call.bucket && source.key === call.key && source.versionId === undefined && directive !== "REPLACE") {
        throw invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata");
      }
      const { path, version: from } = await store.linkVersion(source.bucket, source.key, source.versionId);
      const attributes =
        directive === "REPLACE"
          ? { contentType: req.headers["content-type"], metadata: metadataOf(req) }
          : { contentType: from.contentType, metadata: from.metadata };
      const version = await store.commit(call.bucket, call.key!, path, { size: from.size, etag: from.etag, checksum: from.checksum, ...attributes }, conditionsOf(req));
      wrote(call);
      const sourceVersion: Record<string, string> = store.versioning(source.bucket) ? { "x-amz-copy-source-version-id": from.versionId } : {};
      sendXml(res, 200, "CopyObjectResult", { ETag: version.etag, LastModified: version.lastModified }, { ...versionHeader(call.bucket, version), ...sourceVersion });
    },

    async DeleteObject({ res, call }) {
      const done = await store.deleteObject(call.bucket, call.key!, call.versionId);
      wrote(call);
      sendEmpty(res, 204, { ...versionHeader(call.bucket, done), "x-amz-delete-marker": done.deleteMarker ? "true" : undefined });
    },

    async DeleteObjects({ res, call, query }) {
      const deleted: XmlNode[] = [];
      const errors: XmlNode[] = [];
      for (const { key, versionId } of call.deleteKeys!) {
        try {
          const done = await store.deleteObject(call.bucket, key, versionId);
          deleted.push({
            Key: key,
            VersionId: versionId,
            DeleteMarker: done.deleteMarker || undefined,
            DeleteMarkerVersionId: done.deleteMarker && !versionId ? done.versionId : undefined,
          });
        } catch (error) {
          const e = error instanceof S3Error ? error : new S3Error(500, "InternalError", (error as Error).message);
          errors.push({ Key: key, VersionId: versionId, Code: e.code, Message: e.message });
        }
      }
      wrote(call);
      sendXml(res, 200, "DeleteResult", { Deleted: query.has("quiet") ? [] : deleted, Error: errors });
    },

    ListObjectsV2({ res, call, query }) {
      const params = {
        prefix: query.get("prefix") ?? "",
        delimiter: query.get("delimiter") || undefined,
        maxKeys: maxKeys(query),
        startAfter: query.get("start-after") ?? undefined,
        continuationToken: query.get("continuation-token") ?? undefined,
      };
      const page = store.list(call.bucket, params);
      const url = query.get("encoding-type") === "url";
      const enc = (s: string | undefined) => (s !== undefined && url ? encodeURIComponent(s).replace(/%2F/g, "/") : s);
      sendXml(res, 200, "ListBucketResult", {
        Name: call.bucket,
        Prefix: enc(params.prefix),
        Delimiter: enc(params.delimiter),
        MaxKeys: params.maxKeys,
        EncodingType: url ? "url" : undefined,
        KeyCount: page.contents.length + page.commonPrefixes.length,
        IsTruncated: page.isTruncated,
        ContinuationToken: params.continuationToken,
        NextContinuationToken: page.nextContinuationToken,
        StartAfter: enc(params.startAfter),
        Contents: page.contents.map(({ key, version }) => ({
          Key: enc(key),
          LastModified: version.lastModified,
          ETag: version.etag,
          Size: version.size,
          StorageClass: "STANDARD",
        })),
        CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
      });
    },

    ListObjectVersions({ res, call, query }) {
      const params = {
        prefix: query.get("prefix") ?? "",
        delimiter: query.get("delimiter") || undefined,
        maxKeys: maxKeys(query),
        keyMarker: query.get("key-marker") || undefined,
        versionIdMarker: query.get("version-id-marker") || undefined,
      };
      const page = store.listVersions(call.bucket, params);
      const entry = ({ key, version, isLatest }: (typeof page.entries)[number]) => ({
        Key: key,
        VersionId: version.versionId,
        IsLatest: isLatest,
        LastModified: version.lastModified,
        ...(version.deleteMarker ? {} : { ETag: version.etag, Size: version.size, StorageClass: "STANDARD" }),
        Owner: OWNER,
      });
      sendXml(res, 200, "ListVersionsResult", {
        Name: call.bucket,
        Prefix: params.prefix,
        KeyMarker: params.keyMarker ?? "",
        VersionIdMarker: params.versionIdMarker ?? "",
        NextKeyMarker: page.nextKeyMarker,
        NextVersionIdMarker: page.nextVersionIdMarker,
        MaxKeys: params.maxKeys,
        Delimiter: params.delimiter,
        IsTruncated: page.isTruncated,
        Version: page.entries.filter((e) => !e.version.deleteMarker).map(entry),
        DeleteMarker: page.entries.filter((e) => e.version.deleteMarker).map(entry),
        CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: p })),
      });
    },

    async CreateMultipartUpload({ req, res, call }) {
      const uploadId = await multipart.create(call.bucket, call.key!, req.headers["content-type"], metadataOf(req));
      sendXml(res, 200, "InitiateMultipartUploadResult", { Bucket: call.bucket, Key: call.key, UploadId: uploadId });
    },
    async UploadPart({ req, res, call, query }) {
      const uploadId = query.get("uploadId")!;
      const slot = await multipart.slot(call.bucket, call.key!, uploadId, Number(query.get("partNumber")));
      const received = await receiveBody(req, store, slot).catch(async (error: unknown) => {
        await multipart.release(uploadId, slot);
        throw error;
      });
      const etag = await multipart.putPart(uploadId, Number(query.get("partNumber")), received, slot);
      const checksum = received.checksum ? { [`x-amz-checksum-${received.checksum.algorithm}`]: received.checksum.value } : {};
      sendEmpty(res, 200, { etag, ...checksum });
    },
    async CompleteMultipartUpload({ req, res, call, query }) {
      const xml = await readXmlBody(req);
      const parts = elements(xml, "Part").map((p) => ({ partNumber: Number(element(p, "PartNumber")), etag: element(p, "ETag") ?? "" }));
      const version = await multipart.complete(call.bucket, call.key!, query.get("uploadId")!, parts, conditionsOf(req));
      wrote(call);
      sendXml(
        res,
        200,
        "CompleteMultipartUploadResult",
        { Location: `/${call.bucket}/${call.key}`, Bucket: call.bucket, Key: call.key, ETag: version.etag },
        versionHeader(call.bucket, version),
      );
    },
    async AbortMultipartUpload({ res, call, query }) {
      await multipart.abort(call.bucket, call.key!, query.get("uploadId")!);
      sendEmpty(res, 204);
    },
  };

  /** GetObject and HeadObject: the same headers; a Range gives 206 with that slice. */
  async function read({ req, res, call }: Exchange, body: boolean): Promise<void> {
    const { version, file } = await store.open(call.bucket, call.key!, call.versionId);
    try {
      const headers = objectHeaders(call.bucket, version);
      const range = typeof req.headers.range === "string" ? /^bytes=(\d*)-(\d*)$/.exec(req.headers.range.trim()) : null;
      let start = 0;
      let end = version.size - 1;
      if (range && (range[1] || range[2])) {
        if (range[1]) {
          start = Number(range[1]);
          if (range[2]) end = Math.min(Number(range[2]), version.size - 1);
        } else {
          start = Math.max(0, version.size - Number(range[2]));
        }
        if (start >= version.size || start > end || (!range[1] && Number(range[2]) === 0)) {
          throw new S3Error(416, "InvalidRange", "The requested range is not satisfiable", { "content-range": `bytes */${version.size}` });
        }
        headers["content-range"] = `bytes ${start}-${end}/${version.size}`;
      } else if (version.checksum && req.headers["x-amz-checksum-mode"] === "ENABLED") {
        // The SDK checks a whole-object read against it, so a corrupted byte cannot pass.
        headers[`x-amz-checksum-${version.checksum.algorithm}`] = version.checksum.value;
        headers["x-amz-checksum-type"] = "FULL_OBJECT";
      }
      const length = Math.max(0, end - start + 1);
      res.writeHead(headers["content-range"] ? 206 : 200, { ...headers, "content-length": length });
      if (!body || length === 0) {
        res.end();
        return;
      }
      await pipeline(file.createReadStream({ start, end, autoClose: false, ...STREAM_CHUNK }), res);
    } finally {
      await file.close();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const requestId = randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase();
    res.setHeader("x-amz-request-id", requestId);
    let resource = req.url ?? "/";
    let routed: S3Call | undefined;
    try {
      const { call, query } = route(req.method ?? "GET", req.url ?? "/", req.headers);
      routed = call;
      resource = `/${call.bucket}${call.key !== undefined ? `/${call.key}` : ""}`;
      if (call.operation === "DeleteObjects") {
        const xml = await readXmlBody(req);
        call.deleteKeys = elements(xml, "Object").map((o) => {
          const versionId = element(o, "VersionId");
          return { key: element(o, "Key") ?? "", ...(versionId !== undefined ? { versionId } : {}) };
        });
        if (call.deleteKeys.length > 1000) throw malformedXml("A DeleteObjects request names at most 1000 keys");
        if (texts(xml, "Quiet")[0] === "true") query.set("quiet", "true");
      }
      const denied = hooks.authorize?.(call);
      if (denied !== undefined) throw new S3Error(403, "AccessDenied", denied);
      if (expectsContinue) res.writeContinue();
      await handlers[call.operation]({ req, res, call, query });
    } catch (error) {
      let e = error instanceof S3Error ? error : new S3Error(500, "InternalError", (error as Error).message);
      // S3 tells a caller a key is missing only if it may list the bucket; anyone else gets 403.
      const hidden = e.status === 404 && e.code !== "NoSuchBucket" && routed ? hooks.notFound?.(routed) : undefined;
      if (hidden !== undefined) e = new S3Error(403, "AccessDenied", hidden);
      if (e.status === 500) process.stderr.write(`local S3: ${req.method} ${req.url}: ${(error as Error).stack}\n`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // An unread body would be parsed as the next request: close the connection instead.
      if (!req.complete) res.setHeader("connection", "close");
      if (req.method === "HEAD") {
        sendEmpty(res, e.status, e.headers);
        return;
      }
      sendXml(res, e.status, "Error", { Code: e.code, Message: e.message, Resource: resource, RequestId: requestId }, e.headers);
    }
  }

  const inFlight = new Set<Promise<void>>();
  const track = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    const done = handle(req, res, expectsContinue).finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 30_000 }, (req, res) => track(req, res, false));
  server.on("checkContinue", (req, res) => track(req, res, true));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      // Writes cut off with their connection still finish or fail; only then is the store consistent.
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      if (temp) await rm(temp, { recursive: true, force: true });
      else await store.close();
    },
  };
}
