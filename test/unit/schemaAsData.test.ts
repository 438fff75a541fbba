import { DuckDBInstance, listValue } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { ContractViolationError } from "../../core/errors.ts";
import { cleanFixture, dataset } from "../helpers/cleanFixture.ts";

const first = ["part,code,made", "p1,1,2024-03-01", "p2,2,2024-03-01", "p3,3,2024-03-01"].join("\n") + "\n";
const second = ["part,code,made", "p4,B8,2024-03-01", "p5,7,2024-03-01", "p6,9,2024-03-01"].join("\n") + "\n";

/** Reads both files' silver as one day partition, the way a plain reader (no union_by_name) does. */
async function readPartition(dirs: string[]) {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const files = dirs.map((d) => `${d}/**/*.parquet`);
    const rows = (await c.runAndReadAll(`SELECT part, code FROM read_parquet($1::VARCHAR[], hive_partitioning = false) ORDER BY part`, [listValue(files)])).getRowObjectsJS();
    return rows.map((r) => [r.part, r.code]);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

describe("one schema per dataset", () => {
  it("founds version 1 from the first file, declared types plus what inference found", async () => {
    const run = await cleanFixture("a.csv", first, "csv");
    try {
      expect(run.result.schema).toMatchObject({ version: 1, next: { version: 1, dataset: "things" } });
      expect(run.result.schema.next!.columns.map((c) => [c.name, c.type])).toEqual([["part", "VARCHAR"], ["code", "BIGINT"], ["made", "DATE"]]);
    } finally {
      run.dispose();
    }
  });

  it("reads a later file against the stored types: its misfits are quarantined and the partition stays readable", async () => {
    const strict = dataset({ widenToString: false, maxQuarantinedRatio: 1 });
    const a = await cleanFixture("a.csv", first, "csv", strict);
    const b = await cleanFixture("b.csv", second, "csv", strict, a.result.schema.next);
    try {
      expect(b.result.schema).toEqual({ version: 1, hash: a.result.schema.hash });
      expect(b.result.columns.find((c) => c.name === "code")!.type).toBe("BIGINT");
      expect((await b.quarantine()).map((q) => [q._column, q._value])).toEqual([["code", "B8"]]);
      expect(await readPartition([a.result.silverDir, b.result.silverDir])).toEqual([
        ["p1", 1n], ["p2", 2n], ["p3", 3n], ["p5", 7n], ["p6", 9n],
      ]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("widens an inferred column to text as one version bump with its diff, by default", async () => {
    const a = await cleanFixture("a.csv", first, "csv");
    const b = await cleanFixture("b.csv", second, "csv", dataset(), a.result.schema.next);
    try {
      expect(b.result.schema.next).toMatchObject({ version: 2, changes: [{ column: "code", kind: "widened", from: "BIGINT", to: "VARCHAR" }] });
      expect(b.result.stats).toMatchObject({ silverRows: 3, quarantinedRows: 0 });
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("casts a file of integers into a stored double column, with no new version", async () => {
    const doubles = ["part,code,made", "p1,1.5,2024-03-01"].join("\n") + "\n";
    const a = await cleanFixture("a.csv", doubles, "csv");
    const b = await cleanFixture("b.csv", first, "csv", dataset(), a.result.schema.next);
    try {
      expect(b.result.schema.next).toBeUndefined();
      expect(b.result.columns.find((c) => c.name === "code")!.type).toBe("DOUBLE");
      expect((await b.silver("part")).map((r) => r.code)).toEqual([1, 2, 3]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("adds the stored columns a later file lacks as NULLs of their stored type", async () => {
    const a = await cleanFixture("a.csv", first, "csv");
    const b = await cleanFixture("b.csv", "part,made\np7,2024-03-01\n", "csv", dataset(), a.result.schema.next);
    try {
      expect(b.result.schema.next).toBeUndefined();
      expect(b.result.columns.map((c) => [c.name, c.type])).toEqual([["part", "VARCHAR"], ["made", "DATE"], ["code", "BIGINT"]]);
      expect(await b.silver("part")).toMatchObject([{ part: "p7", code: null }]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("rejects a file whose types differ from a frozen schema's", async () => {
    const frozen = dataset({ schema: "freeze", columns: { part: { type: "string" }, code: { type: "string" }, made: { type: "date" } } });
    const loose = dataset({ schema: "freeze", widenToString: false, columns: { part: { type: "string" }, made: { type: "date" } } });
    const a = await cleanFixture("a.csv", first, "csv", frozen);
    a.dispose();
    const stored = { ...a.result.schema.next!, columns: a.result.schema.next!.columns.map((c) => (c.name === "code" ? { ...c, type: "BIGINT", declared: false } : c)) };
    await expect(cleanFixture("b.csv", second, "csv", { ...loose, schema: "evolve" }, stored)).resolves.toBeDefined();
    const error = await cleanFixture("b.csv", second, "csv", loose, stored).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolationError);
  });
});
