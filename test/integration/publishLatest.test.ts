import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { publishLatest, VERSION_METADATA } from "../../core/commit/publishLatest.ts";
import { ObjectStore, type ObjectRef } from "../../core/io/objectStore.ts";
import { getServices } from "../../functions/services.ts";
import { LAKE, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

describe("publishLatest", () => {
  let p: TestPipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => p.stop());

  const put = (key: string, body: string) => p.s3.send(new PutObjectCommand({ Bucket: LAKE, Key: key, Body: body }));
  const read = async (key: string) => {
    const out = await p.s3.send(new GetObjectCommand({ Bucket: LAKE, Key: key }));
    return { body: await out.Body!.transformToString(), version: out.Metadata?.[VERSION_METADATA] };
  };
  const publication = (version: number, from?: string) => {
    const { store, outputs } = getServices();
    return {
      store,
      outputs,
      id: "gold#test#p1",
      version,
      jobId: `job-${version}`,
      from: from ? { bucket: LAKE, key: from } : undefined,
      target: { bucket: LAKE, key: "gold/test/p1/part.parquet" },
    };
  };

  it("leaves the newer version when an older publisher's copy lands after the newer one finished", async () => {
    await put("staging/job-1/p1", "version one");
    await put("staging/job-2/p1", "version two");
    // The older publisher claims first, then stalls in its copy until the newer one is done.
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const copy = ObjectStore.prototype.copy;
    vi.spyOn(ObjectStore.prototype, "copy").mockImplementation(async function (this: ObjectStore, from: ObjectRef, to: ObjectRef, m?: Record<string, string>) {
      if (from.key === "staging/job-1/p1" && m?.[VERSION_METADATA] === "1") await stalled;
      return copy.call(this, from, to, m);
    });
    const older = publishLatest(publication(1, "staging/job-1/p1"));
    await vi.waitFor(async () => expect(await getServices().outputs.published("gold#test#p1")).toBeDefined());
    const newer = await publishLatest(publication(2, "staging/job-2/p1"));
    expect(newer.published).toBe(true);
    expect(await read("gold/test/p1/part.parquet")).toEqual({ body: "version two", version: "2" });

    release();
    const late = await older;

    expect(late.published).toBe(false);
    expect(await read("gold/test/p1/part.parquet")).toEqual({ body: "version two", version: "2" });
  });

  it("refuses an older version outright, and a newer version that removes the output removes it", async () => {
    expect((await publishLatest(publication(1, "staging/job-1/p1"))).published).toBe(false);
    const removal = await publishLatest(publication(3));
    expect(removal).toMatchObject({ published: true, replaced: { version: 2, from: { key: "staging/job-2/p1" } } });
    await expect(p.s3.send(new HeadObjectCommand({ Bucket: LAKE, Key: "gold/test/p1/part.parquet" }))).rejects.toMatchObject({ name: "NotFound" });
  });
});
