import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { cleanFile } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";
import { jsonPointer } from "../../core/silver/flattenJson.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function clean(fixture: string, format: "json" | "ndjson") {
  dir = mkdtempSync(join(tmpdir(), "etl-json-"));
  const engine = await Engine.open({ scratchDir: join(dir, "scratch") });
  try {
    const result = await cleanFile(engine, {
      path: `test/fixtures/json/${fixture}`,
      format,
      dataset: v.parse(DatasetSchema, { name: "d", match: ["*"] }),
      outDir: join(dir, "out"),
      ctx: silverContext(fixture),
    });
    const rows = await engine.rows(`SELECT * FROM read_parquet('${result.silverDir}/**/*.parquet', hive_partitioning = false) ORDER BY id`);
    return { result, rows };
  } finally {
    engine.close();
  }
}

describe("nested JSON in cleanFile", () => {
  it("flattens objects into parent_child columns in the order keys first appear, keeping arrays as JSON text", async () => {
    const { result, rows } = await clean("orders-nested.json", "json");
    expect(result.columns.map((c) => `${c.original}→${c.name}:${c.type}`)).toEqual([
      "id→id:BIGINT",
      "customer.name→customer_name:VARCHAR",
      "customer.address.city→customer_address_city:VARCHAR",
      "customer.address.zip→customer_address_zip:BIGINT",
      "customer.vip→customer_vip:BOOLEAN",
      "items→items:VARCHAR",
      "total→total:DOUBLE",
    ]);
    expect(rows[0]).toMatchObject({ customer_name: "Ann", customer_address_city: "Paris", customer_vip: null });
    expect(JSON.parse(String(rows[0].items))).toEqual([{ sku: "A", qty: 2 }]);
    expect(rows[2]).toMatchObject({ customer_name: null, items: null });
    expect(result.stats).toMatchObject({ inputRows: 3, silverRows: 3 });
  });

  it("keeps a field that is an object in some rows and text in others as JSON text, losing nothing", async () => {
    const { rows } = await clean("mixed.ndjson", "ndjson");
    expect(JSON.parse(String(rows[0].meta))).toEqual({ "a/b": "x", "c~d": 1 });
    expect(rows[1].meta).toBe("plain text");
  });
});

describe("jsonPointer", () => {
  it("escapes the characters that would change the path", () => {
    expect(jsonPointer(["a/b", "c~d", "e"])).toBe("/a~1b/c~0d/e");
  });
});

describe("exploding a JSON array field", () => {
  it("makes a row per element with the record's fields repeated, keeping records whose array is empty or NULL", async () => {
    dir = mkdtempSync(join(tmpdir(), "etl-json-"));
    const engine = await Engine.open({ scratchDir: join(dir, "scratch") });
    try {
      const result = await cleanFile(engine, {
        path: "test/fixtures/json/baskets.ndjson",
        format: "ndjson",
        dataset: v.parse(DatasetSchema, { name: "d", match: ["*"], json: { explode: "items" } }),
        outDir: join(dir, "out"),
        ctx: silverContext("o.json"),
      });
      const rows = await engine.rows<{ id: bigint; items_sku: string | null; items_qty: bigint | null }>(
        `SELECT id, items_sku, items_qty FROM read_parquet('${result.silverDir}/**/*.parquet', hive_partitioning = false) ORDER BY id, items_sku`,
      );
      expect(rows.map((r) => [Number(r.id), r.items_sku, r.items_qty === null ? null : Number(r.items_qty)])).toEqual([
        [1, "A", 2],
        [1, "B", 1],
        [2, null, null],
        [3, null, null],
      ]);
      // Each element is an input row: the accounting covers what silver receives.
      expect(result.stats.inputRows).toBe(4);
    } finally {
      engine.close();
    }
  });
});
