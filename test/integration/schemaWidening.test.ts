/**
 * Two files of one dataset whose inferred `code` column disagrees (integers, then `B8`): one
 * schema version bump, and every silver file of the dataset, old and new, same day and other
 * days, has the widened type, read by a plain reader (no union_by_name) and by the catalog.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { ObjectStore } from "../../core/io/objectStore.ts";
import { commitSchema, latestSchema } from "../../core/schema/commitSchema.ts";
import { schemaHash } from "../../core/schema/schemaDocument.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineConfig } from "../../core/config/defineConfig.ts";
import { GlueCatalog } from "../../core/io/glueCatalog.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { LAKE, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

const config = (name: string) =>
  defineConfig({
    datasets: [{ name, match: [`${name}/**`], columns: { qty: { type: "integer" }, made: { type: "date", required: true } }, eventTime: "made" }],
    gold: [{ name: `${name}_daily`, dataset: name, groupBy: [], metrics: [{ name: "rows", fn: "count" }, { name: "units", fn: "sum", column: "qty" }] }],
  });

/** Day 1 in both files, day 2 only in the first, day 3 only in the second. */
const FIRST = "part,code,qty,made\np1,1,2,2024-03-01\np2,2,3,2024-03-01\np3,7,1,2024-03-02\n";
const SECOND = "part,code,qty,made\np4,B8,5,2024-03-01\np5,7,1,2024-03-01\np6,C9,4,2024-03-03\n";
/** What gold must hold, counted from the files by hand: rows and units per day. */
const GOLD = [
  ["2024-03-01", 4, 11],
  ["2024-03-02", 1, 1],
  ["2024-03-03", 1, 4],
];

describe("a widened inferred column keeps one physical type in every silver file", () => {
  let p: TestPipeline;
  let dir: string;
  let catalog: GlueCatalog;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "widening-"));
  });
  /** A pipeline of its own per test (each has its own endpoints). */
  async function start(dataset: string) {
    p = await startPipeline({ config: config(dataset) });
    catalog = new GlueCatalog(new GlueClient({}), LOCAL_NAMES.glueDatabase);
  }
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function upload(dataset: string, name: string, text: string) {
    const file = join(dir, `${dataset}-${name}`);
    writeFileSync(file, text);
    return p.runtime.upload(file, `incoming/${dataset}/${name}`);
  }

  /** Each silver file's type of `code`, as its Parquet footer says, and the partition it is in. */
  async function codeTypes(dataset: string) {
    const keys = (await p.keys(LAKE, `silver/${dataset}/`)).filter((k) => k.endsWith(".parquet"));
    const types: string[] = [];
    for (const key of keys) {
      const [col] = await p.query<{ type: string; converted_type: string | null }>(LAKE, [key], "SELECT type, converted_type FROM parquet_schema({files}) WHERE name = 'code'");
      types.push(`${key.split("/").slice(2, 5).join("/")} ${col.type}${col.converted_type ? `/${col.converted_type}` : ""}`);
    }
    return { keys, types };
  }

  async function expectOneType(dataset: string, versions: string[]) {
    const { keys, types } = await codeTypes(dataset);
    expect(types.sort()).toEqual([
      "year=2024/month=03/day=01 BYTE_ARRAY/UTF8",
      "year=2024/month=03/day=01 BYTE_ARRAY/UTF8",
      "year=2024/month=03/day=02 BYTE_ARRAY/UTF8",
      "year=2024/month=03/day=03 BYTE_ARRAY/UTF8",
    ]);
    // A plain reader over the whole dataset: fails on BIGINT next to VARCHAR ("Could not convert string 'B8' to INT64").
    const rows = await p.query<{ part: string; code: string }>(LAKE, keys, "SELECT part, code FROM read_parquet({files}, hive_partitioning = false) ORDER BY part");
    expect(rows.map((r) => [r.part, r.code])).toEqual([["p1", "1"], ["p2", "2"], ["p3", "7"], ["p4", "B8"], ["p5", "7"], ["p6", "C9"]]);

    expect((await p.keys(LAKE, `_schemas/${dataset}/`)).sort()).toEqual(versions.map((v) => `_schemas/${dataset}/${v}.json`));
    const table = (await catalog.get(`silver_${dataset}`))!;
    expect(table.columns.find((c) => c.name === "code")!.type).toBe("string");

    const goldKeys = (await p.keys(LAKE, `gold/${dataset}_daily/`)).filter((k) => k.endsWith(".parquet"));
    const gold = [];
    for (const key of goldKeys) {
      const [g] = await p.query<{ rows: bigint; units: bigint }>(LAKE, [key], "SELECT * FROM read_parquet({files})");
      gold.push([/year=(\d+)\/month=(\d+)\/day=(\d+)/.exec(key)!.slice(1).join("-"), Number(g.rows), Number(g.units)]);
    }
    expect(gold.sort()).toEqual(GOLD);
  }

  it("one after the other: the second file bumps the version once and the first file's silver is rewritten", async () => {
    await start("parts");
    try {
      await p.runtime.execute(await upload("parts", "a.csv", FIRST));
      const before = await codeTypes("parts");
      expect(before.types.every((t) => t.includes(" INT64"))).toBe(true);

      const outcome = await p.runtime.execute(await upload("parts", "b.csv", SECOND));
      expect(outcome.status).toBe("SUCCEEDED");
      await expectOneType("parts", ["v1", "v2"]);
      // The rewrite replaced the first file's objects in place: the same keys, no orphan.
      expect((await codeTypes("parts")).keys).toEqual(expect.arrayContaining(before.keys));
      // The widening is announced on SNS once, with its diff (read from the SQS inbox subscribed to the topic).
      const announced = (await p.alerts()).filter((a) => a.Attributes.event === "SCHEMA_CHANGED");
      expect(announced).toHaveLength(1);
      expect(announced[0].Attributes).toEqual({ event: "SCHEMA_CHANGED", dataset: "parts", version: "2" });
      expect(announced[0].Subject).toBe("ETL schema of parts is now v2: code widened BIGINT -> VARCHAR");
      expect(announced[0].Message).toMatchObject({
        dataset: "parts",
        version: 2,
        changes: [{ column: "code", kind: "widened", from: "BIGINT", to: "VARCHAR" }],
        file: "s3://etl-raw/incoming/parts/b.csv",
        schemaDocument: "s3://etl-lake/_schemas/parts/v2.json",
      });
    } finally {
      await p.stop();
    }
  });

  it("a job killed after creating the widened version leaves the rewrite to the next job of the dataset (or its redrive)", async () => {
    await start("parts_k");
    try {
      await p.runtime.execute(await upload("parts_k", "a.csv", FIRST));
      // What a job killed right after its schema commit leaves: v2 stored, no silver file rewritten.
      const store = new ObjectStore(new S3Client({ forcePathStyle: true }));
      const v1 = (await latestSchema(store, LAKE, "parts_k"))!;
      const columns = v1.columns.map((c) => (c.name === "code" ? { ...c, type: "VARCHAR" } : c));
      await commitSchema(store, LAKE, { ...v1, version: 2, hash: schemaHash(columns), columns, changes: [{ column: "code", kind: "widened", from: "BIGINT", to: "VARCHAR" }] });
      expect((await codeTypes("parts_k")).types.every((t) => t.includes(" INT64"))).toBe(true);

      expect((await p.runtime.execute(await upload("parts_k", "c.csv", "part,code,qty,made\np7,5,1,2024-03-04\n"))).status).toBe("SUCCEEDED");

      expect((await codeTypes("parts_k")).types.sort()).toEqual([
        "year=2024/month=03/day=01 BYTE_ARRAY/UTF8",
        "year=2024/month=03/day=02 BYTE_ARRAY/UTF8",
        "year=2024/month=03/day=04 BYTE_ARRAY/UTF8",
      ]);
    } finally {
      await p.stop();
    }
  });

  it("at the same time: whichever finishes last, every file ends with the widened type and gold is right", async () => {
    await start("parts_c");
    try {
      const events = [await upload("parts_c", "a.csv", FIRST), await upload("parts_c", "b.csv", SECOND)];
      const outcomes = await Promise.all(events.map((e) => p.runtime.execute(e)));
      expect(outcomes.map((o) => o.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
      // The text file may found v1 first; then the integers fit it and no version follows.
      const versions = (await p.keys(LAKE, "_schemas/parts_c/")).map((k) => k.split("/").at(-1)!.replace(".json", ""));
      expect(versions.length).toBeLessThanOrEqual(2);
      await expectOneType("parts_c", versions.sort());
      const announced = (await p.alerts()).filter((a) => a.Attributes.event === "SCHEMA_CHANGED");
      expect(announced.map((a) => a.Attributes.version)).toEqual(versions.length === 2 ? ["2"] : []);
    } finally {
      await p.stop();
    }
  });
});
