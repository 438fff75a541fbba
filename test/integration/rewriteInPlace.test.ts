/**
 * The guard of an in-place rewrite on the local S3 (If-Match over the wire): a rewrite computed
 * from an object that another job replaced or removed meanwhile never lands.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rewriteInPlace } from "../../core/commit/rewriteInPlace.ts";
import { ObjectStore } from "../../core/io/objectStore.ts";
import { LAKE, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

let p: TestPipeline;
let store: ObjectStore;
let dir: string;
beforeAll(async () => {
  p = await startPipeline();
  store = new ObjectStore(new S3Client({ forcePathStyle: true }));
  dir = mkdtempSync(join(tmpdir(), "rewrite-"));
});
afterAll(async () => {
  await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function put(key: string, text: string) {
  const file = join(dir, "put");
  writeFileSync(file, text);
  await store.upload(file, { bucket: LAKE, key }, { metadata: { v: text } });
}

/** A rewrite that upper-cases the object; `meanwhile` runs once, between the read and the write. */
function upperCase(meanwhile?: () => Promise<void>) {
  let once = meanwhile;
  return async (_info: unknown, fetch: () => Promise<string>) => {
    const text = readFileSync(await fetch(), "utf8");
    if (text === text.toUpperCase()) return undefined;
    const file = join(dir, `out-${text}`);
    writeFileSync(file, text.toUpperCase());
    const run = once;
    once = undefined;
    await run?.();
    return { file, metadata: { v: text.toUpperCase() } };
  };
}

async function read(key: string) {
  const local = join(dir, "read");
  await store.download({ bucket: LAKE, key }, local);
  return readFileSync(local, "utf8");
}

describe("rewriteInPlace", () => {
  it("rewrites an object nobody else touched, and keeps its metadata as given", async () => {
    await put("silver/t/a.parquet", "abc");
    expect(await rewriteInPlace(store, { bucket: LAKE, key: "silver/t/a.parquet" }, dir, upperCase())).toBe(true);
    expect(await read("silver/t/a.parquet")).toBe("ABC");
    expect((await store.head({ bucket: LAKE, key: "silver/t/a.parquet" }))?.metadata).toEqual({ v: "ABC" });
  });

  it("never brings back an object a commit removed while it was being rewritten", async () => {
    await put("silver/t/b.parquet", "old");
    const wrote = await rewriteInPlace(store, { bucket: LAKE, key: "silver/t/b.parquet" }, dir, upperCase(() => store.delete(LAKE, ["silver/t/b.parquet"])));
    expect(wrote).toBe(false);
    expect(await store.head({ bucket: LAKE, key: "silver/t/b.parquet" })).toBeUndefined();
  });

  it("plans again from an object another job replaced meanwhile, so that job's write is not lost", async () => {
    await put("silver/t/c.parquet", "first");
    const wrote = await rewriteInPlace(store, { bucket: LAKE, key: "silver/t/c.parquet" }, dir, upperCase(() => put("silver/t/c.parquet", "second")));
    expect(wrote).toBe(true);
    expect(await read("silver/t/c.parquet")).toBe("SECOND");
  });
});
