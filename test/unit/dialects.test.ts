import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { cleanFile } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Cleans a fixture and reads its silver rows back with a separate DuckDB query. */
async function clean(fixture: string, dataset: Record<string, unknown> = {}) {
  dir = mkdtempSync(join(tmpdir(), "etl-dialect-"));
  const engine = await Engine.open({ scratchDir: join(dir, "scratch") });
  try {
    const result = await cleanFile(engine, {
      path: `test/fixtures/dialects/${fixture}`,
      format: "csv",
      dataset: v.parse(DatasetSchema, { name: "d", match: ["*"], ...dataset }),
      outDir: join(dir, "out"),
      ctx: silverContext(fixture),
    });
    const rows = await engine.rows(
      `SELECT * EXCLUDE (_row_hash, _processed_at, _job_id, _source_key) FROM read_parquet('${result.silverDir}/**/*.parquet', hive_partitioning = false) ORDER BY ALL`,
    );
    const types = Object.fromEntries(result.columns.map((c) => [c.name, c.type]));
    return { result, rows, types };
  } finally {
    engine.close();
  }
}

describe("cleanFile on real-world CSV dialects and encodings", () => {
  it("reads a Latin-1, semicolon-separated export with decimal commas and thousands dots", async () => {
    const { result, rows, types } = await clean("latin1-semicolon.csv");
    expect(result.encoding).toBe("windows-1252");
    expect(result.dialect?.delimiter).toBe(";");
    expect(types).toEqual({ strasse: "VARCHAR", preis: "DOUBLE", menge: "BIGINT", datum: "DATE" });
    expect(rows.map((r) => [r.strasse, r.preis])).toEqual([
      ["Müller Weg", 1234.56],
      ["Äpfel", 2.5],
    ]);
  });

  it("converts UTF-16 with a BOM to UTF-8", async () => {
    const { result, rows } = await clean("utf16le-bom.csv");
    expect(result.encoding).toBe("utf-16le");
    expect(rows.map((r) => r.name)).toEqual(["Zoë", "Łukasz"]);
  });

  it("keeps quoted newlines, escaped quotes and CRLF, and drops a UTF-8 BOM from the header", async () => {
    const { result, rows, types } = await clean("utf8-bom-crlf.csv");
    expect(result.dialect).toMatchObject({ newline: "\\r\\n", quote: '"' });
    expect(Object.keys(types)).toEqual(["id", "comment"]);
    expect(rows[0].comment).toBe('multi\r\nline, with "quotes"');
  });

  it("numbers the columns of a headerless TSV from 1", async () => {
    const { result, types } = await clean("headerless.tsv");
    expect(result.dialect).toMatchObject({ delimiter: "\t", header: false });
    expect(types).toEqual({ column_1: "BIGINT", column_2: "DATE", column_3: "DOUBLE" });
    expect(result.stats.silverRows).toBe(2);
  });

  it("honours a declared header setting over the sniffer", async () => {
    const { result, types } = await clean("headerless.tsv", { csv: { header: true } });
    expect(Object.keys(types)).toEqual(["c_1", "c_2024_01_01", "c_3_5"]);
    expect(result.stats.inputRows).toBe(1);
  });

  it("reads pipe-separated files and thousands separators in quoted numbers", async () => {
    expect((await clean("pipe.csv")).types).toEqual({ a: "BIGINT", b: "VARCHAR", c: "BOOLEAN" });
    const { rows, types } = await clean("thousands.csv");
    expect(types.population).toBe("BIGINT");
    expect(rows.map((r) => Number(r.population))).toEqual([516092, 2148271]);
  });
});

describe("cleanFile inferring dates written in common layouts", () => {
  it("reads month-name dates and day-first timestamps, and records the layout it chose", async () => {
    const { result, rows, types } = await clean("dates.csv");
    expect(types).toMatchObject({ date: "DATE", price: "DOUBLE", when: "TIMESTAMPTZ" });
    expect(result.columns.find((c) => c.name === "date")?.format).toBe("%b %d %Y");
    expect(rows.map((r) => (r.date as Date).toISOString().slice(0, 10))).toEqual(["2000-01-01", "2000-02-01"]);
    expect(rows.map((r) => (r.when as Date).toISOString())).toEqual(["2023-12-31T23:59:59.000Z", "2024-01-01T00:00:00.000Z"]);
  });
});

describe("cleanFile inferring booleans", () => {
  it("reads yes/no and Y/N columns as booleans, whatever their case", async () => {
    const { rows, types } = await clean("booleans.csv");
    expect(types).toEqual({ id: "BIGINT", active: "BOOLEAN", vip: "BOOLEAN" });
    expect(rows.map((r) => [r.active, r.vip])).toEqual([
      [true, true],
      [false, false],
    ]);
  });
});

describe("cleanFile guessing decimal commas", () => {
  it("keeps dots as decimal points in a semicolon file whose numbers use them", async () => {
    const { rows, types } = await clean("semicolon-dot-decimals.csv");
    expect(types).toMatchObject({ price: "DOUBLE", weight: "DOUBLE" });
    expect(rows.map((r) => [r.price, r.weight])).toEqual([
      [1.5, 2.25],
      [2.75, 1],
    ]);
  });
});
