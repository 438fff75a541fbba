import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listPartitions } from "../../core/io/listPartitions.ts";
import { ObjectStore } from "../../core/io/objectStore.ts";
import type { S3Call, S3Hooks } from "../../local/s3/call.ts";
import { startS3Server } from "../../local/s3/server.ts";

const dir = mkdtempSync(join(tmpdir(), "etl-s3-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function client(url: string, accessKeyId = "tester"): S3Client {
  return new S3Client({ endpoint: url, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId, secretAccessKey: "x" } });
}

async function text(s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return out.Body!.transformToString();
}

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** A server on a fresh folder, with a versioned bucket `ver` and an unversioned bucket `plain`. */
async function fresh(hooks?: S3Hooks) {
  const root = join(dir, `store-${++n}`);
  const lake = join(dir, `lake-${n}`);
  const server = await startS3Server({ root, lakeDir: lake, hooks });
  const s3 = client(server.url);
  await s3.send(new CreateBucketCommand({ Bucket: "ver" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "ver", VersioningConfiguration: { Status: "Enabled" } }));
  await s3.send(new CreateBucketCommand({ Bucket: "plain" }));
  return { server, s3, root, lake };
}

describe("the local S3 store, through the real S3Client", () => {
  let ctx: Awaited<ReturnType<typeof fresh>>;
  beforeAll(async () => {
    ctx = await fresh();
  });
  afterAll(async () => {
    ctx.s3.destroy();
    await ctx.server.stop();
  });

  it("keeps every version in a versioned bucket and reads each by id", async () => {
    const { s3 } = ctx;
    const v1 = await s3.send(new PutObjectCommand({ Bucket: "ver", Key: "k.txt", Body: "one", Metadata: { owner: "a" }, ContentType: "text/plain" }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: "ver", Key: "k.txt", Body: "two" }));

    expect(v1.VersionId).toBeTruthy();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await text(s3, "ver", "k.txt")).toBe("two");
    expect(await text(s3, "ver", "k.txt", v1.VersionId)).toBe("one");
    const head = await s3.send(new HeadObjectCommand({ Bucket: "ver", Key: "k.txt", VersionId: v1.VersionId }));
    expect(head).toMatchObject({ Metadata: { owner: "a" }, ContentType: "text/plain", ContentLength: 3, VersionId: v1.VersionId });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: "ver", Prefix: "k.txt" }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, true],
      [v1.VersionId, false],
    ]);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "ver" }))).Status).toBe("Enabled");
    await expect(s3.send(new GetObjectCommand({ Bucket: "ver", Key: "k.txt", VersionId: "0000" }))).rejects.toMatchObject({ name: "NoSuchVersion" });
  });

  it("replaces in an unversioned bucket, keeping no older bytes", async () => {
    const { s3, root } = ctx;
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "r.txt", Body: "old" }));
    const out = await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "r.txt", Body: "new" }));

    expect(out.VersionId).toBeUndefined();
    expect(await text(s3, "plain", "r.txt")).toBe("new");
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: "plain", Prefix: "r.txt" }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual(["null"]);
    expect(readdirSync(join(root, "blobs", "plain"))).toHaveLength(1);
  });

  it("answers a conditional put that does not hold with 412 PreconditionFailed", async () => {
    const { s3 } = ctx;
    const first = await s3.send(new PutObjectCommand({ Bucket: "ver", Key: "_schemas/s/v1.json", Body: "{}", IfNoneMatch: "*" }));
    await expect(s3.send(new PutObjectCommand({ Bucket: "ver", Key: "_schemas/s/v1.json", Body: "{ }", IfNoneMatch: "*" }))).rejects.toMatchObject({
      name: "PreconditionFailed",
      $metadata: { httpStatusCode: 412 },
    });
    await expect(s3.send(new PutObjectCommand({ Bucket: "ver", Key: "_schemas/s/v1.json", Body: "x", IfMatch: '"0123"' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 412 },
    });
    await s3.send(new PutObjectCommand({ Bucket: "ver", Key: "_schemas/s/v1.json", Body: "y", IfMatch: first.ETag }));
    expect(await text(s3, "ver", "_schemas/s/v1.json")).toBe("y");
  });

  it("lets exactly one of many racing If-None-Match writers win", async () => {
    const { s3 } = ctx;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: "ver", Key: "race.json", Body: `${i}`, IfNoneMatch: "*" }))),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => status((r as PromiseRejectedResult).reason))).toEqual(Array(7).fill(412));
  });

  it("serves byte ranges and refuses one past the end", async () => {
    const { s3 } = ctx;
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "digits", Body: "0123456789" }));
    const range = async (Range: string) => (await s3.send(new GetObjectCommand({ Bucket: "plain", Key: "digits", Range }))).Body!.transformToString();

    expect(await range("bytes=2-5")).toBe("2345");
    expect(await range("bytes=7-")).toBe("789");
    expect(await range("bytes=-3")).toBe("789");
    expect(await range("bytes=8-100")).toBe("89");
    await expect(range("bytes=10-12")).rejects.toMatchObject({ name: "InvalidRange", $metadata: { httpStatusCode: 416 } });
  });

  it("copies a named version with its metadata, as a hard link", async () => {
    const { s3, lake } = ctx;
    const old = await s3.send(new PutObjectCommand({ Bucket: "ver", Key: "src/a b+c%ü.csv", Body: "first", Metadata: { "etl-dataset": "sales" } }));
    await s3.send(new PutObjectCommand({ Bucket: "ver", Key: "src/a b+c%ü.csv", Body: "second" }));
    const store = new ObjectStore(s3);
    await store.copy({ bucket: "ver", key: "src/a b+c%ü.csv", versionId: old.VersionId }, { bucket: "plain", key: "dst/copy.csv" });

    expect(await text(s3, "plain", "dst/copy.csv")).toBe("first");
    expect((await store.head({ bucket: "plain", key: "dst/copy.csv" }))?.metadata).toEqual({ "etl-dataset": "sales" });
    await store.copy({ bucket: "ver", key: "src/a b+c%ü.csv" }, { bucket: "plain", key: "dst/current.csv" });
    const a = statSync(join(lake, "ver", "src", "a b+c%ü.csv"));
    const b = statSync(join(lake, "plain", "dst", "current.csv"));
    expect(b.ino).toBe(a.ino);
    expect(readFileSync(join(lake, "plain", "dst", "current.csv"), "utf8")).toBe("second");
    await expect(s3.send(new CopyObjectCommand({ Bucket: "plain", Key: "digits", CopySource: "plain/digits" }))).rejects.toMatchObject({ name: "InvalidRequest" });
  });

  it("hides an object behind a delete marker, and brings it back when the marker is deleted", async () => {
    const { s3, lake } = ctx;
    const put = await s3.send(new PutObjectCommand({ Bucket: "ver", Key: "gone/x.csv", Body: "kept" }));
    const del = await s3.send(new DeleteObjectCommand({ Bucket: "ver", Key: "gone/x.csv" }));

    expect(del.DeleteMarker).toBe(true);
    await expect(s3.send(new GetObjectCommand({ Bucket: "ver", Key: "gone/x.csv" }))).rejects.toMatchObject({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: "ver", Key: "gone/x.csv" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "ver", Prefix: "gone/" }))).KeyCount).toBe(0);
    expect(existsSync(join(lake, "ver", "gone"))).toBe(false);
    expect(await text(s3, "ver", "gone/x.csv", put.VersionId)).toBe("kept");
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: "ver", Prefix: "gone/" }));
    expect(versions.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.VersionId, true]]);

    await s3.send(new DeleteObjectCommand({ Bucket: "ver", Key: "gone/x.csv", VersionId: del.VersionId }));
    expect(await text(s3, "ver", "gone/x.csv")).toBe("kept");
    expect(readFileSync(join(lake, "ver", "gone", "x.csv"), "utf8")).toBe("kept");
  });

  it("keeps keys with spaces, +, % and unicode apart", async () => {
    const { s3 } = ctx;
    for (const key of ["in/x y.csv", "in/x+y.csv", "in/x%20y.csv", "in/é 😀.csv"]) await s3.send(new PutObjectCommand({ Bucket: "plain", Key: key, Body: key }));
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: "plain", Prefix: "in/" }))).Contents?.map((o) => o.Key);

    expect(listed).toEqual(["in/x y.csv", "in/x%20y.csv", "in/x+y.csv", "in/é 😀.csv"]);
    for (const key of listed!) expect(await text(s3, "plain", key!)).toBe(key);
  });

  it("stores and serves keys no file can show, leaving them out of the lake view", async () => {
    const { s3, lake } = ctx;
    const odd = ["odd/folder/", "odd/../escape", "odd/./dot", "odd//double", `odd/${"n".repeat(300)}`];
    for (const key of odd) await s3.send(new PutObjectCommand({ Bucket: "plain", Key: key, Body: key }));
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "odd/clash", Body: "file" }));
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "odd/clash/inner", Body: "inner" }));

    for (const key of odd) expect(await text(s3, "plain", key)).toBe(key);
    expect(await text(s3, "plain", "odd/clash/inner")).toBe("inner");
    expect(readFileSync(join(lake, "plain", "odd", "clash"), "utf8")).toBe("file");
    expect(existsSync(join(lake, "plain", "escape"))).toBe(false);
    expect(existsSync(join(lake, "plain", "dot"))).toBe(false);

    // When the file goes, the key that clashed with it appears.
    await s3.send(new DeleteObjectCommand({ Bucket: "plain", Key: "odd/clash" }));
    expect(readFileSync(join(lake, "plain", "odd", "clash", "inner"), "utf8")).toBe("inner");
  });

  it("pages listings of more than 1000 keys, with delimiters, MaxKeys and StartAfter", async () => {
    const { s3 } = ctx;
    const keys = Array.from({ length: 1205 }, (_, i) => `many/${String(i).padStart(4, "0")}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: "plain", Key, Body: "x" }))));
    }
    for (const key of ["many/sub/a", "many/sub/b", "many/zz/c"]) await s3.send(new PutObjectCommand({ Bucket: "plain", Key: key, Body: "x" }));

    const all = await new ObjectStore(s3).list("plain", "many/");
    expect(all).toHaveLength(1208);
    const first = await s3.send(new ListObjectsV2Command({ Bucket: "plain", Prefix: "many/" }));
    expect(first).toMatchObject({ KeyCount: 1000, IsTruncated: true });

    const pages: (string | undefined)[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: "plain", Prefix: "many/", Delimiter: "/", MaxKeys: 600, ContinuationToken: token }));
      pages.push([...(page.Contents ?? []).map((o) => o.Key), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix)]);
      token = page.NextContinuationToken;
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([600, 600, 7]);
    expect(pages[2]).toEqual(["many/1200.txt", "many/1201.txt", "many/1202.txt", "many/1203.txt", "many/1204.txt", "many/sub/", "many/zz/"]);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: "plain", Prefix: "many/", StartAfter: "many/1203.txt", MaxKeys: 2 }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(["many/1204.txt", "many/sub/a"]);
  });

  it("joins multipart uploads and enforces S3's part rules", async () => {
    const { s3 } = ctx;
    const file = join(dir, "twenty.bin");
    writeFileSync(file, Buffer.alloc(20 * 1024 * 1024, 3));
    const { etag } = await new ObjectStore(s3).upload(file, { bucket: "ver", key: "mp/big.bin" });
    expect(etag).toMatch(/-3"$/);
    await new ObjectStore(s3).download({ bucket: "ver", key: "mp/big.bin" }, join(dir, "twenty.out"));
    expect(readFileSync(join(dir, "twenty.out")).equals(readFileSync(file))).toBe(true);

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "ver", Key: "mp/small" }));
    const parts = [];
    for (const PartNumber of [1, 2]) parts.push({ PartNumber, ETag: (await s3.send(new UploadPartCommand({ Bucket: "ver", Key: "mp/small", UploadId, PartNumber, Body: "tiny" }))).ETag });
    await expect(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: "ver", Key: "mp/small", UploadId, MultipartUpload: { Parts: parts } })),
    ).rejects.toMatchObject({ name: "EntityTooSmall" });
  });

  it("joins parts uploaded in any order, again, or skipped, as S3 does", async () => {
    const { s3 } = ctx;
    const MiB5 = 5 * 1024 * 1024;
    const part = (fill: number, size = MiB5) => Buffer.alloc(size, fill);
    async function upload(Key: string, sends: [number, Buffer][], list: (etags: Map<number, string[]>) => { PartNumber: number; ETag: string }[]) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "plain", Key }));
      const etags = new Map<number, string[]>();
      for (const [PartNumber, Body] of sends) {
        const { ETag } = await s3.send(new UploadPartCommand({ Bucket: "plain", Key, UploadId, PartNumber, Body }));
        etags.set(PartNumber, [...(etags.get(PartNumber) ?? []), ETag!]);
      }
      return s3.send(new CompleteMultipartUploadCommand({ Bucket: "plain", Key, UploadId, MultipartUpload: { Parts: list(etags) } }));
    }
    const bytes = async (Key: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: "plain", Key }))).Body!.transformToByteArray());
    const latest = (numbers: number[]) => (etags: Map<number, string[]>) => numbers.map((n) => ({ PartNumber: n, ETag: etags.get(n)!.at(-1)! }));

    await upload("mp/order.bin", [[1, part(1)], [2, part(2)], [3, part(3, 10)]], latest([1, 2, 3]));
    expect((await bytes("mp/order.bin")).equals(Buffer.concat([part(1), part(2), part(3, 10)]))).toBe(true);

    await upload("mp/reverse.bin", [[3, part(3, 10)], [2, part(2)], [1, part(1)]], latest([1, 2, 3]));
    expect((await bytes("mp/reverse.bin")).equals(Buffer.concat([part(1), part(2), part(3, 10)]))).toBe(true);

    await upload("mp/again.bin", [[1, part(1)], [2, part(2)], [1, part(9)], [3, part(3, 10)]], latest([1, 2, 3]));
    expect((await bytes("mp/again.bin")).equals(Buffer.concat([part(9), part(2), part(3, 10)]))).toBe(true);

    await upload("mp/skip.bin", [[1, part(1)], [2, part(2)], [3, part(3, 10)]], latest([1, 3]));
    expect((await bytes("mp/skip.bin")).equals(Buffer.concat([part(1), part(3, 10)]))).toBe(true);

    const stale = (etags: Map<number, string[]>) => [{ PartNumber: 1, ETag: etags.get(1)![0] }];
    await expect(upload("mp/stale.bin", [[1, part(1)], [1, part(7)]], stale)).rejects.toMatchObject({ name: "InvalidPart" });
  });

  it("never shows a reader of the lake view a torn file while the object is rewritten", async () => {
    const { s3, lake } = ctx;
    const bodies = Array.from({ length: 30 }, (_, i) => String(i).repeat(1000 + i * 5000));
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "torn/x.csv", Body: bodies[0] }));
    let writing = true;
    const reads: string[] = [];
    const reader = (async () => {
      while (writing) {
        reads.push(readFileSync(join(lake, "plain", "torn", "x.csv"), "utf8"));
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (const body of bodies.slice(1)) await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "torn/x.csv", Body: body }));
    writing = false;
    await reader;

    expect(reads.length).toBeGreaterThan(10);
    for (const read of reads) expect(bodies).toContain(read);
    expect(readFileSync(join(lake, "plain", "torn", "x.csv"), "utf8")).toBe(bodies.at(-1));
  });

  it("lists keys with XML's special characters and control characters as they were written", async () => {
    const { s3 } = ctx;
    const keys = ["xml/<&>\"'.csv", "xml/a\rb", "xml/tab\there", "xml/]]>"];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: "plain", Key, Body: "x" }));
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: "plain", Prefix: "xml/" }))).Contents?.map((o) => o.Key);
    expect(listed?.sort()).toEqual([...keys].sort());
  });

  it("refuses to delete a bucket that still holds objects", async () => {
    const { DeleteBucketCommand } = await import("@aws-sdk/client-s3");
    await expect(ctx.s3.send(new DeleteBucketCommand({ Bucket: "plain" }))).rejects.toMatchObject({ name: "BucketNotEmpty", $metadata: { httpStatusCode: 409 } });
  });

  it("rejects a body whose checksum does not match", async () => {
    const out = await fetch(`${ctx.server.url}/plain/bad.txt`, {
      method: "PUT",
      body: "hello",
      headers: { "x-amz-checksum-crc32": "AAAAAA==", authorization: "AWS4-HMAC-SHA256 Credential=tester/20260101/us-east-1/s3/aws4_request" },
    });
    expect(out.status).toBe(400);
    expect(await out.text()).toContain("<Code>BadDigest</Code>");
    await expect(ctx.s3.send(new HeadObjectCommand({ Bucket: "plain", Key: "bad.txt" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});

describe("the store's hooks", () => {
  let ctx: Awaited<ReturnType<typeof fresh>>;
  const calls: S3Call[] = [];
  const writes: S3Call[] = [];
  afterEach(() => {
    calls.length = 0;
    writes.length = 0;
  });
  beforeAll(async () => {
    ctx = await fresh({
      authorize: (call) => {
        calls.push(call);
        if (call.accessKeyId === "etl-clean" && call.operation === "DeleteObjects") return "etl-clean may not delete";
        return call.accessKeyId === "etl-clean" && call.key === "denied/big.bin" ? "etl-clean may not write denied/" : undefined;
      },
      onWrite: (call) => writes.push(call),
    });
  });
  afterAll(async () => {
    ctx.s3.destroy();
    await ctx.server.stop();
  });

  it("asks authorize before each call, with the caller's access key, and refuses with 403 AccessDenied", async () => {
    calls.length = 0;
    const clean = client(ctx.server.url, "etl-clean");
    await clean.send(new PutObjectCommand({ Bucket: "ver", Key: "a b.csv", Body: "x" }));
    await clean.send(new CopyObjectCommand({ Bucket: "plain", Key: "c", CopySource: "ver/a%20b.csv?versionId=123" })).catch(() => undefined);
    await expect(new ObjectStore(clean).delete("ver", ["a b.csv"])).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    clean.destroy();

    expect(calls.map((c) => c.operation)).toEqual(["PutObject", "CopyObject", "DeleteObjects"]);
    expect(calls[0]).toEqual({ operation: "PutObject", bucket: "ver", key: "a b.csv", accessKeyId: "etl-clean" });
    expect(calls[1].copySource).toEqual({ bucket: "ver", key: "a b.csv", versionId: "123" });
    expect(calls[2].deleteKeys).toEqual([{ key: "a b.csv" }]);
    expect(writes.map((c) => c.operation)).toEqual(["PutObject"]);
    expect(await text(ctx.s3, "ver", "a b.csv")).toBe("x");
  });

  it("lists neighbouring partitions in one call each run, the same keys as one listing per partition", async () => {
    const { s3 } = ctx;
    const store = new ObjectStore(s3);
    const day = (d: number) => `year=2024/month=01/day=${String(d).padStart(2, "0")}`;
    const keys = [
      ...[1, 3, 4, 10].map((d) => `silver/sales/${day(d)}/a.parquet`),
      // More than a page in one partition, so a run's listing pages inside it.
      ...Array.from({ length: 1100 }, (_, i) => `silver/sales/${day(2)}/f${String(i).padStart(4, "0")}.parquet`),
      // A neighbour not asked for after the run, a dataset whose name extends this one's, another dataset.
      `silver/sales/${day(5)}/b.parquet`,
      `silver/salesx/${day(1)}/c.parquet`,
      `silver/zeta/${day(1)}/d.parquet`,
    ];
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((Key) => s3.send(new PutObjectCommand({ Bucket: "plain", Key, Body: "x" }))));
    }
    const asked = [day(1), day(2), day(3), day(4), day(10), "year=2024/month=01", "year=2023/month=12/day=31"];
    calls.length = 0;

    const listed = await listPartitions(store, "plain", "silver/sales/", asked);

    // Runs: 2023-12-31 to 2024-01-04 and the month (two pages each: 1,100 keys in day 2), day 10 (one).
    expect(calls.filter((c) => c.operation === "ListObjectsV2")).toHaveLength(5);
    for (const p of asked) expect(listed.get(p), p).toEqual(await store.list("plain", `silver/sales/${p}/`));
    expect(listed.get(day(2))).toHaveLength(1100);
    expect(listed.get("year=2024/month=01")).toHaveLength(1105);
    expect(listed.get("year=2023/month=12/day=31")).toEqual([]);
  });

  it("refuses a large streamed upload cleanly, and the connection stays usable", async () => {
    const file = join(dir, "denied.bin");
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 1));
    const clean = client(ctx.server.url, "etl-clean");
    await expect(new ObjectStore(clean).upload(file, { bucket: "ver", key: "denied/big.bin" })).rejects.toMatchObject({ name: "AccessDenied" });
    await clean.send(new PutObjectCommand({ Bucket: "ver", Key: "allowed.txt", Body: "ok" }));
    clean.destroy();
    expect(await text(ctx.s3, "ver", "allowed.txt")).toBe("ok");
    expect(writes.map((c) => c.key)).toEqual(["allowed.txt"]);
  });
});

/** A server on the folder another one left, for `use`; stopped after. */
async function reopened(first: { root: string; lake: string }, use: (s3: S3Client) => Promise<void>): Promise<void> {
  const server = await startS3Server({ root: first.root, lakeDir: first.lake });
  const s3 = client(server.url);
  try {
    await use(s3);
  } finally {
    s3.destroy();
    await server.stop();
  }
}

describe("state on disk", () => {
  it("survives a restart: objects, versions and the lake view, repaired after a kill", async () => {
    const first = await fresh();
    const v1 = await first.s3.send(new PutObjectCommand({ Bucket: "ver", Key: "p/k.csv", Body: "v1" }));
    await first.s3.send(new PutObjectCommand({ Bucket: "ver", Key: "p/k.csv", Body: "v2" }));
    await first.s3.send(new PutObjectCommand({ Bucket: "plain", Key: "p/gone.csv", Body: "x" }));
    first.s3.destroy();
    await first.server.stop();
    // What a killed process may leave: no clean-close marker, a stale lake file, a missing one, a half-written temp file.
    rmSync(join(first.root, "closed.json"));
    rmSync(join(first.lake, "ver", "p", "k.csv"));
    writeFileSync(join(first.lake, "plain", "p", "stale.csv"), "stale");
    writeFileSync(join(first.root, "tmp", "partial"), "half");

    await reopened(first, async (s3) => {
      expect(await text(s3, "ver", "p/k.csv")).toBe("v2");
      expect(await text(s3, "ver", "p/k.csv", v1.VersionId)).toBe("v1");
      expect((await s3.send(new ListObjectVersionsCommand({ Bucket: "ver" }))).Versions).toHaveLength(2);
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "ver" }))).Status).toBe("Enabled");
      expect(readFileSync(join(first.lake, "ver", "p", "k.csv"), "utf8")).toBe("v2");
      expect(existsSync(join(first.lake, "plain", "p", "stale.csv"))).toBe(false);
      expect(existsSync(join(first.root, "tmp", "partial"))).toBe(false);
      expect(readFileSync(join(first.lake, "plain", "p", "gone.csv"), "utf8")).toBe("x");
    });
  });

  it("reopens from the snapshot a clean close leaves, remembering which keys wait for a clashing file to go", async () => {
    const first = await fresh();
    await first.s3.send(new PutObjectCommand({ Bucket: "plain", Key: "c/a", Body: "file" }));
    await first.s3.send(new PutObjectCommand({ Bucket: "plain", Key: "c/a/b", Body: "inner" }));
    first.s3.destroy();
    await first.server.stop();

    await reopened(first, async (s3) => {
      expect(await text(s3, "plain", "c/a/b")).toBe("inner");
      await s3.send(new DeleteObjectCommand({ Bucket: "plain", Key: "c/a/b" }));
      expect(readFileSync(join(first.lake, "plain", "c", "a"), "utf8")).toBe("file");
      await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "c/a/b", Body: "again" }));
      await s3.send(new DeleteObjectCommand({ Bucket: "plain", Key: "c/a" }));
      expect(readFileSync(join(first.lake, "plain", "c", "a", "b"), "utf8")).toBe("again");
    });
  });

  it("keeps one journal line per key across reopens, skips a last line a power loss cut short, and refuses a damaged one", async () => {
    const first = await fresh();
    for (let i = 0; i < 5; i++) await first.s3.send(new PutObjectCommand({ Bucket: "plain", Key: "j/k.csv", Body: `v${i}` }));
    await first.s3.send(new PutObjectCommand({ Bucket: "plain", Key: "j/gone.csv", Body: "x" }));
    await first.s3.send(new DeleteObjectCommand({ Bucket: "plain", Key: "j/gone.csv" }));
    first.s3.destroy();
    await first.server.stop();
    const journal = join(first.root, "keys", "plain.log");
    expect(readFileSync(journal, "utf8").trim().split("\n")).toHaveLength(7);

    rmSync(join(first.root, "closed.json"));
    writeFileSync(journal, `${readFileSync(journal, "utf8")}{"key":"j/half.csv","vers`);
    await reopened(first, async (s3) => {
      expect(await text(s3, "plain", "j/k.csv")).toBe("v4");
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "plain", Prefix: "j/" }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(["j/k.csv"]);
    });
    expect(readFileSync(journal, "utf8").trim().split("\n")).toHaveLength(1);

    writeFileSync(journal, `{"key":"j/half.csv","vers\n${readFileSync(journal, "utf8")}`);
    await expect(startS3Server({ root: first.root, lakeDir: first.lake })).rejects.toThrow(/plain\.log: line 1 is not a key record; the state dir is damaged/);
  });

  it("rewrites the journal while a process makes many changes, so it stays within a few times its keys", async () => {
    const first = await fresh();
    const puts = 1296;
    const keys = Array.from({ length: 8 }, (_, k) => `many/k${k}.csv`);
    await Promise.all(keys.map(async (Key) => {
      for (let i = 0; i < puts / keys.length; i++) await first.s3.send(new PutObjectCommand({ Bucket: "plain", Key, Body: `${Key} ${i}` }));
    }));
    const lines = readFileSync(join(first.root, "keys", "plain.log"), "utf8").trim().split("\n").length;
    expect(lines).toBeLessThan(puts / 2);
    first.s3.destroy();
    await first.server.stop();

    await reopened(first, async (s3) => {
      for (const Key of keys) expect(await text(s3, "plain", Key)).toBe(`${Key} ${puts / keys.length - 1}`);
    });
  });

  it("opens a state dir from before the journal, one record file per key, and moves it to the journal", async () => {
    const first = await fresh();
    await first.s3.send(new PutObjectCommand({ Bucket: "ver", Key: "old/a.csv", Body: "a1" }));
    await first.s3.send(new PutObjectCommand({ Bucket: "ver", Key: "old/a.csv", Body: "a2" }));
    first.s3.destroy();
    await first.server.stop();
    // The layout the store had before: keys/<bucket>/<hash>.json, one { key, versions } record per key.
    const journal = join(first.root, "keys", "ver.log");
    const legacy = join(first.root, "keys", "ver");
    mkdirSync(legacy);
    writeFileSync(join(legacy, "a.json"), readFileSync(journal, "utf8").trim().split("\n").at(-1)!);
    rmSync(journal);
    rmSync(join(first.root, "closed.json"));

    await reopened(first, async (s3) => {
      expect(await text(s3, "ver", "old/a.csv")).toBe("a2");
      expect((await s3.send(new ListObjectVersionsCommand({ Bucket: "ver" }))).Versions).toHaveLength(2);
    });
    expect(existsSync(legacy)).toBe(false);
    expect(readFileSync(journal, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("removes its temp folder on stop when it has no root", async () => {
    const server = await startS3Server();
    const root = server.store.root;
    expect(existsSync(root)).toBe(true);
    await server.stop();
    expect(existsSync(root)).toBe(false);
  });
});

/** The server alone in a child process: its URL, its memory, and a way to kill it. */
async function childServer(root: string, lake: string) {
  const child = spawn(process.execPath, [join(import.meta.dirname, "s3ServerProcess.ts"), root, lake], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  const { url } = (await next()) as { url: string };
  return {
    url,
    rss: async () => {
      child.stdin!.write("rss\n");
      return (await next()) as { rss: number; maxRss: number };
    },
    kill: () => {
      child.kill("SIGKILL");
      return new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

async function bigFile(name: string, mb: number): Promise<string> {
  const file = join(dir, name);
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  await pipeline(
    (async function* () {
      for (let i = 0; i < mb; i++) yield chunk;
    })(),
    createWriteStream(file),
  );
  return file;
}

describe("the server in its own process", () => {
  it("streams a 300 MB object in and out while the server's RSS stays flat", async () => {
    const file = await bigFile("big.bin", 300);
    const server = await childServer(join(dir, "mem-store"), join(dir, "mem-lake"));
    try {
      const s3 = client(server.url);
      await s3.send(new CreateBucketCommand({ Bucket: "mem" }));
      const before = await server.rss();
      const store = new ObjectStore(s3);
      await s3.send(new PutObjectCommand({ Bucket: "mem", Key: "single.bin", Body: createReadStream(file), ContentLength: statSync(file).size }));
      await store.upload(file, { bucket: "mem", key: "parts.bin" });
      await store.download({ bucket: "mem", key: "single.bin" }, join(dir, "big.out"));
      const after = await server.rss();
      s3.destroy();

      expect(statSync(join(dir, "big.out")).size).toBe(300 * 2 ** 20);
      // Whole objects in memory would add 300 MB or more; streaming adds buffers (and garbage not yet collected) only.
      expect(after.maxRss - before.rss).toBeLessThan(120 * 2 ** 20);
      console.log(`server RSS: ${(before.rss / 2 ** 20).toFixed(0)} MB before, peak ${(after.maxRss / 2 ** 20).toFixed(0)} MB during 2×300 MB up + 300 MB down`);
    } finally {
      await server.kill();
    }
  }, 240_000);

  it("keeps the old object when killed (SIGKILL) in the middle of replacing it", async () => {
    const file = await bigFile("kill.bin", 200);
    const root = join(dir, "kill-store");
    const lake = join(dir, "kill-lake");
    const server = await childServer(root, lake);
    const s3 = client(server.url);
    await s3.send(new CreateBucketCommand({ Bucket: "kill" }));
    await s3.send(new PutObjectCommand({ Bucket: "kill", Key: "k.bin", Body: "old" }));
    const upload = s3.send(new PutObjectCommand({ Bucket: "kill", Key: "k.bin", Body: createReadStream(file), ContentLength: statSync(file).size }));
    upload.catch(() => undefined);
    // Killed once part of the body is on disk.
    for (let i = 0; i < 200 && readdirSync(join(root, "tmp")).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    await server.kill();
    await expect(upload).rejects.toThrow();
    s3.destroy();

    const again = await startS3Server({ root, lakeDir: lake });
    const s3again = client(again.url);
    try {
      expect(await text(s3again, "kill", "k.bin")).toBe("old");
      expect(readFileSync(join(lake, "kill", "k.bin"), "utf8")).toBe("old");
      expect(readdirSync(join(root, "tmp"))).toEqual([]);
      expect(readdirSync(join(root, "blobs", "kill"))).toHaveLength(1);
    } finally {
      s3again.destroy();
      await again.stop();
    }
  }, 120_000);
});
