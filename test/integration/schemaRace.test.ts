/**
 * Two first files of one dataset race to create its schema's version 1 on the local S3 (the real
 * SDK's conditional PutObject, `If-None-Match: *`, over the wire). Exactly one create wins; the
 * loser, whose columns differ, fails as transient and never overwrites the winner.
 *
 * Needs a local S3 that honours If-None-Match (BRIEF decision 1, part s3): fauxqs ignores it, so
 * this file is named outside vitest's include; rename it to schemaRace.test.ts once that store is merged.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransientError } from "../../core/errors.ts";
import { ObjectStore } from "../../core/io/objectStore.ts";
import { commitSchema, latestSchema } from "../../core/schema/commitSchema.ts";
import { reconcileSchema } from "../../core/schema/reconcileSchema.ts";
import { LAKE, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

let pipeline: TestPipeline;
let store: ObjectStore;

beforeAll(async () => {
  pipeline = await startPipeline();
  store = new ObjectStore(new S3Client({ forcePathStyle: true }));
});
afterAll(() => pipeline.stop());

const evolve = { mode: "evolve", widenToString: true } as const;
const first = (dataset: string, type: string) => reconcileSchema(dataset, undefined, [{ name: "code", type, declared: false }], evolve).next!;

describe("schema version 1 on the local S3", () => {
  it("is created by one of two racing first files; the other fails as transient and the winner stays", async () => {
    const [a, b] = [first("race_parts", "BIGINT"), first("race_parts", "VARCHAR")];

    const outcomes = await Promise.allSettled([commitSchema(store, LAKE, a), commitSchema(store, LAKE, b)]);

    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(TransientError);
    const stored = await latestSchema(store, LAKE, "race_parts");
    expect(stored?.version).toBe(1);
    expect([a.hash, b.hash]).toContain(stored?.hash);
    expect(outcomes[[a, b].findIndex((d) => d.hash === stored?.hash)].status).toBe("fulfilled");
  });

  it("lets two racing first files that agree share version 1", async () => {
    const [a, b] = [first("race_same", "BIGINT"), first("race_same", "BIGINT")];

    await Promise.all([commitSchema(store, LAKE, a), commitSchema(store, LAKE, b)]);

    expect((await pipeline.keys(LAKE, "_schemas/race_same/"))).toEqual(["_schemas/race_same/v1.json"]);
  });
});
