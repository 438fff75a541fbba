import { describe, expect, it } from "vitest";
import { TransientError } from "../../core/errors.ts";
import { commitSchema, latestSchema, type SchemaStore } from "../../core/schema/commitSchema.ts";
import { reconcileSchema } from "../../core/schema/reconcileSchema.ts";

/** A bucket with S3's conditional-create semantics, in memory. */
function memoryStore(): SchemaStore & { keys: () => string[] } {
  const objects = new Map<string, string>();
  return {
    keys: () => [...objects.keys()].sort(),
    getJson: async ({ bucket, key }) => {
      const body = objects.get(`${bucket}/${key}`);
      return body === undefined ? undefined : JSON.parse(body);
    },
    putJsonIfAbsent: async ({ bucket, key }, value) => {
      // The check and the write happen in one step, as S3 evaluates If-None-Match.
      if (objects.has(`${bucket}/${key}`)) return false;
      objects.set(`${bucket}/${key}`, JSON.stringify(value));
      return true;
    },
  };
}

const evolve = { mode: "evolve", widenToString: true } as const;
const found = (type: string) => reconcileSchema("parts", undefined, [{ name: "code", type, declared: false }], evolve).next!;

describe("commitSchema", () => {
  it("stores versions under _schemas/<dataset>/v<N>.json and finds the newest", async () => {
    const store = memoryStore();
    expect(await latestSchema(store, "lake", "parts")).toBeUndefined();
    const v1 = found("BIGINT");
    await commitSchema(store, "lake", v1);
    const v2 = reconcileSchema("parts", v1, [{ name: "code", type: "VARCHAR", declared: false }], evolve).next!;
    await commitSchema(store, "lake", v2);
    expect(store.keys()).toEqual(["lake/_schemas/parts/v1.json", "lake/_schemas/parts/v2.json"]);
    expect(await latestSchema(store, "lake", "parts")).toMatchObject({ version: 2, hash: v2.hash });
  });

  it("lets two first files that agree share version 1", async () => {
    const store = memoryStore();
    await Promise.all([commitSchema(store, "lake", found("BIGINT")), commitSchema(store, "lake", found("BIGINT"))]);
    expect(store.keys()).toEqual(["lake/_schemas/parts/v1.json"]);
  });

  it("makes the loser of two first files that disagree run again, never overwriting the winner", async () => {
    const store = memoryStore();
    const results = await Promise.allSettled([commitSchema(store, "lake", found("BIGINT")), commitSchema(store, "lake", found("VARCHAR"))]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TransientError);
    expect((await latestSchema(store, "lake", "parts"))!.columns[0].type).toBe("BIGINT");
  });
});
