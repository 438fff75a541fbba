import { describe, expect, it } from "vitest";
import { reconcileSchema, widens, type FileColumn } from "../../core/schema/reconcileSchema.ts";
import { schemaHash, schemaKey } from "../../core/schema/schemaDocument.ts";

const evolve = { mode: "evolve", widenToString: true } as const;
const col = (name: string, type: string, declared = false): FileColumn => ({ name, type, declared });

describe("reconcileSchema", () => {
  const first = reconcileSchema("parts", undefined, [col("id", "BIGINT", true), col("code", "BIGINT"), col("made", "DATE")], evolve).next!;

  it("founds version 1 from the first file, declared types plus what inference found", () => {
    expect(first).toMatchObject({ dataset: "parts", version: 1, changes: [] });
    expect(first.columns.map((c) => [c.name, c.type, c.declared])).toEqual([["id", "BIGINT", true], ["code", "BIGINT", false], ["made", "DATE", false]]);
    expect(first.hash).toBe(schemaHash(first.columns));
    expect(schemaKey("parts", 1)).toBe("_schemas/parts/v1.json");
  });

  it("reads a file whose values fit the stored types as those types, with no new version", () => {
    const r = reconcileSchema("parts", first, [col("id", "BIGINT", true), col("code", "BIGINT"), col("made", "DATE")], evolve);
    expect(r.next).toBeUndefined();
    const narrower = reconcileSchema("parts", { ...first, columns: first.columns.map((c) => (c.name === "code" ? { ...c, type: "DOUBLE" } : c)) }, [col("code", "BIGINT")], evolve);
    expect(narrower.types.get("code")).toEqual({ type: "DOUBLE" });
    expect(narrower.next).toBeUndefined();
  });

  it("widens an inferred column along a safe path, or to text, as one version bump with the diff", () => {
    const r = reconcileSchema("parts", first, [col("id", "BIGINT", true), col("code", "VARCHAR"), col("made", "TIMESTAMPTZ")], evolve);
    expect(r.next).toMatchObject({ version: 2 });
    expect(r.next!.changes).toEqual([
      { column: "code", kind: "widened", from: "BIGINT", to: "VARCHAR" },
      { column: "made", kind: "widened", from: "DATE", to: "TIMESTAMPTZ" },
    ]);
    expect(r.types.get("code")!.type).toBe("VARCHAR");
    expect(r.next!.hash).not.toBe(first.hash);
  });

  it("holds the stored type where widening is not allowed: the misfits are quarantined instead", () => {
    for (const policy of [{ mode: "evolve", widenToString: false }, { mode: "discard", widenToString: true }] as const) {
      const r = reconcileSchema("parts", first, [col("code", "VARCHAR")], policy);
      expect(r.next).toBeUndefined();
      expect(r.types.get("code")!.type).toBe("BIGINT");
      expect(r.held).toEqual([{ column: "code", stored: "BIGINT", found: "VARCHAR" }]);
    }
  });

  it("never changes a declared column's type from the data, only from the config", () => {
    const data = reconcileSchema("parts", first, [col("id", "BIGINT", true)], evolve);
    expect(data.next).toBeUndefined();
    const config = reconcileSchema("parts", first, [col("id", "VARCHAR", true)], evolve);
    expect(config.next!.changes).toEqual([{ column: "id", kind: "redeclared", from: "BIGINT", to: "VARCHAR" }]);
  });

  it("adds new columns as a new version", () => {
    const r = reconcileSchema("parts", first, [col("colour", "VARCHAR")], evolve);
    expect(r.next!.changes).toEqual([{ column: "colour", kind: "added", to: "VARCHAR" }]);
    expect(r.next!.columns.map((c) => c.name)).toEqual(["id", "code", "made", "colour"]);
  });

  it("widens only along exact paths", () => {
    expect(widens("BIGINT", "DOUBLE")).toBe(true);
    expect(widens("BIGINT", "DECIMAL(18,2)")).toBe(true);
    expect(widens("DATE", "TIMESTAMPTZ")).toBe(true);
    expect(widens("DOUBLE", "BIGINT")).toBe(false);
    expect(widens("BOOLEAN", "BIGINT")).toBe(false);
    expect(widens("TIMESTAMPTZ", "DATE")).toBe(false);
  });
});
