import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { ContractViolationError, EmptyFileError, MalformedFileError } from "../../core/errors.ts";
import type { DataFormat } from "../../core/format/sniffFormat.ts";
import type { SilverContext, SilverResult } from "../../core/silver/buildSilver.ts";
import { cleanFile } from "../../core/silver/cleanFile.ts";

type Row = Record<string, unknown>;

const CTX: SilverContext = {
  jobId: "job-0001",
  sourceKey: "incoming/sales/file.csv",
  sourceId: "file-0123456789ab",
  processedAt: "2024-06-01T12:34:56Z",
  ingestDate: "2024-06-01",
  fileName: "file.csv",
};

let root: string;
let runs = 0;
/** The independent reader: its own DuckDB instance, not the engine under test. */
let reader: DuckDBConnection;
let readerDb: DuckDBInstance;

beforeAll(async () => {
  readerDb = await DuckDBInstance.create(":memory:", { threads: "1" });
  reader = await readerDb.connect();
  await reader.run("SET TimeZone = 'UTC'");
});

afterAll(() => {
  reader.closeSync();
  readerDb.closeSync();
});

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cleanFile-test-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A dataset as the config would hold it, defaults filled in by valibot. */
function dataset(input: Partial<v.InferInput<typeof DatasetSchema>> = {}) {
  return v.parse(DatasetSchema, { name: "sales", match: ["sales/**"], ...input });
}

/** Writes a fixture file under the test's temp folder and returns its path. */
function fixture(name: string, content: string | Buffer): string {
  const path = join(root, "in", name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** Runs cleanFile with a fresh engine, as one job step does. */
async function clean(
  path: string,
  format: DataFormat,
  ds = dataset(),
  ctx: Partial<SilverContext> = {},
): Promise<SilverResult & { outDir: string }> {
  const runDir = join(root, `run-${++runs}`);
  const engine = await Engine.open({ scratchDir: join(runDir, "scratch"), threads: 2 });
  try {
    const outDir = join(runDir, "out");
    const result = await cleanFile(engine, { path, format, dataset: ds, ctx: { ...CTX, fileName: basename(path), ...ctx }, outDir });
    return { ...result, outDir };
  } finally {
    engine.close();
  }
}

async function query<T = Row>(sql: string, params: DuckDBValue[] = []): Promise<T[]> {
  const result = await reader.runAndReadAll(sql, params);
  return result.getRowObjectsJS() as T[];
}

/** Every Parquet file below a folder, relative to it, sorted. */
function parquetFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet")).sort();
}

const silverGlob = (r: { silverDir: string }) => `${r.silverDir}/**/*.parquet`;

/** Silver rows read back with DuckDB's own Parquet reader, without hive columns. */
async function silverRows(r: { silverDir: string }, orderBy: string): Promise<Row[]> {
  return query(`SELECT * FROM read_parquet($1, hive_partitioning = false) ORDER BY ${orderBy}`, [silverGlob(r)]);
}

/** Column name → DuckDB type of the silver files. */
async function silverTypes(r: { silverDir: string }): Promise<Record<string, string>> {
  const rows = await query<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM read_parquet($1, hive_partitioning = false)`,
    [silverGlob(r)],
  );
  return Object.fromEntries(rows.map((c) => [c.column_name, c.column_type]));
}

async function quarantineRows(r: SilverResult): Promise<Row[]> {
  if (!r.quarantineFile) return [];
  return query(`SELECT * FROM read_parquet($1) ORDER BY _row_number`, [r.quarantineFile]);
}

/**
 * Checks the accounting against what was really written: the stats add up, and the silver and
 * quarantine counts match the rows an independent reader finds in the files.
 */
async function expectAccounted(r: SilverResult, inputRows: number): Promise<void> {
  const s = r.stats;
  expect(s.inputRows).toBe(inputRows);
  expect(s.silverRows + s.duplicateRows + s.quarantinedRows + s.droppedRows).toBe(s.inputRows);
  const silver = parquetFiles(r.silverDir).length
    ? await query<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet($1, hive_partitioning = false)`, [silverGlob(r)])
    : [{ n: 0n }];
  expect(Number(silver[0].n)).toBe(s.silverRows);
  expect((await quarantineRows(r)).length).toBe(s.quarantinedRows);
}

const csv = (...lines: string[]) => `${lines.join("\n")}\n`;

/** The error a run fails with; fails the test when the run succeeds. */
async function failure(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the run to fail, but it succeeded");
}

describe("cleanFile", () => {
  describe("type inference", () => {
    it("infers BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMPTZ and VARCHAR from CSV text", async () => {
      const path = fixture(
        "types.csv",
        csv(
          "id,price,active,sold_on,seen_at,name,code,big",
          "1,1.5,true,2024-01-05,2024-01-05 10:00:00,Ann,007,12345678901234567890",
          "-2,3,FALSE,2024-12-31,2024-01-05T10:00:00+02:00,Bob,010,-99999999999999999999",
          "30,1e3,false,2023-02-28,2024-01-05T23:59:59.5Z,Cy,123,5",
        ),
      );

      const r = await clean(path, "csv");

      expect(await silverTypes(r)).toMatchObject({
        id: "BIGINT",
        price: "DOUBLE",
        active: "BOOLEAN",
        sold_on: "DATE",
        seen_at: "TIMESTAMP WITH TIME ZONE",
        name: "VARCHAR",
        code: "VARCHAR",
        big: "VARCHAR",
      });
      expect(r.columns.map((c) => [c.name, c.type])).toEqual([
        ["id", "BIGINT"],
        ["price", "DOUBLE"],
        ["active", "BOOLEAN"],
        ["sold_on", "DATE"],
        ["seen_at", "TIMESTAMPTZ"],
        ["name", "VARCHAR"],
        ["code", "VARCHAR"],
        ["big", "VARCHAR"],
      ]);
      await expectAccounted(r, 3);
    });

    it("keeps leading zeros and integers beyond BIGINT as exact text, and stores instants in UTC", async () => {
      const path = fixture(
        "values.csv",
        csv(
          "id,code,big,seen_at",
          "1,007,12345678901234567890,2024-01-05 10:00:00",
          "2,010,-99999999999999999999,2024-01-05T10:00:00+02:00",
        ),
      );

      const r = await clean(path, "csv");

      const rows = await query(
        `SELECT id, code, big, CAST(seen_at AS VARCHAR) AS seen_at FROM read_parquet($1, hive_partitioning = false) ORDER BY id`,
        [silverGlob(r)],
      );
      expect(rows).toEqual([
        { id: 1n, code: "007", big: "12345678901234567890", seen_at: "2024-01-05 10:00:00+00" },
        { id: 2n, code: "010", big: "-99999999999999999999", seen_at: "2024-01-05 08:00:00+00" },
      ]);
    });

    it("cleans a file whose columns all keep the reader's type (an all-text CSV)", async () => {
      const path = fixture("text.csv", csv("first,last,city", "John,Doe,Paris", "Jane,Roe,Oslo"));

      const r = await clean(path, "csv");

      expect((await silverRows(r, "first")).map((x) => [x.first, x.last, x.city])).toEqual([
        ["Jane", "Roe", "Oslo"],
        ["John", "Doe", "Paris"],
      ]);
      await expectAccounted(r, 2);
    });

    it("types a column from values that appear only late in a large file", async () => {
      const lines = Array.from({ length: 25_000 }, (_, i) => `${i + 1},`);
      const path = fixture("late.csv", csv("id,qty", ...lines, "25001,7", "25002,8"));

      const r = await clean(path, "csv");

      expect(await silverTypes(r)).toMatchObject({ id: "BIGINT", qty: "BIGINT" });
      const [sum] = await query(`SELECT sum(qty) AS s FROM read_parquet($1, hive_partitioning = false)`, [silverGlob(r)]);
      expect(Number(sum.s)).toBe(15);
    });

    it("keeps a column as text when a value late in a large file does not fit the narrower type", async () => {
      const lines = Array.from({ length: 25_000 }, (_, i) => `${i + 1},${i}`);
      const path = fixture("late-text.csv", csv("id,code", ...lines, "25001,A-1"));

      const r = await clean(path, "csv");

      expect(await silverTypes(r)).toMatchObject({ id: "BIGINT", code: "VARCHAR" });
      expect(r.stats.quarantinedRows).toBe(0);
      await expectAccounted(r, 25_001);
    });

    it("falls back to VARCHAR when one value does not fit the narrower type", async () => {
      const path = fixture("mixed.csv", csv("n,d,b", "1,2024-01-05,true", "two,2024-01-06,yes", "3,,false"));

      const r = await clean(path, "csv");

      expect(await silverTypes(r)).toMatchObject({ n: "VARCHAR", d: "DATE", b: "VARCHAR" });
      const rows = await silverRows(r, "d NULLS LAST");
      expect(rows.map((x) => x.n)).toEqual(["1", "two", "3"]);
    });

    it("reads CSV with a BOM, CRLF line ends, semicolons and quoted fields holding delimiters and newlines", async () => {
      const path = fixture("excel.csv", `\uFEFFid;note\r\n1;"a; b"\r\n2;"line one\r\nline two"\r\n`);

      const r = await clean(path, "csv");

      expect(r.columns.map((c) => c.name)).toEqual(["id", "note"]);
      const rows = await silverRows(r, "id");
      expect(rows.map((x) => [x.id, x.note])).toEqual([
        [1n, "a; b"],
        [2n, "line one\r\nline two"],
      ]);
    });

    it("reads a JSON array and NDJSON with the reader's types folded into the stored ones", async () => {
      const records = [
        { id: 1, price: 2.5, ok: true, sold_on: "2024-01-05", name: "a", tags: ["x", "y"] },
        { id: 2, price: 3, ok: false, sold_on: "2024-01-06", name: "b", tags: [] },
      ];
      const json = fixture("a.json", JSON.stringify(records, null, 2));
      const ndjson = fixture("a.ndjson", records.map((x) => JSON.stringify(x)).join("\n"));

      const fromJson = await clean(json, "json");
      const fromNdjson = await clean(ndjson, "ndjson");

      for (const r of [fromJson, fromNdjson]) {
        expect(await silverTypes(r)).toMatchObject({ id: "BIGINT", price: "DOUBLE", ok: "BOOLEAN", sold_on: "DATE", name: "VARCHAR", tags: "VARCHAR" });
        const rows = await silverRows(r, "id");
        expect(rows.map((x) => [x.id, x.price, x.ok, x.tags])).toEqual([
          [1n, 2.5, true, '["x","y"]'],
          [2n, 3, false, "[]"],
        ]);
        await expectAccounted(r, 2);
      }
    });

    it("widens Parquet INTEGER, FLOAT and naive TIMESTAMP to BIGINT, DOUBLE and UTC TIMESTAMPTZ", async () => {
      const path = join(root, "in", "typed.parquet");
      mkdirSync(dirname(path), { recursive: true });
      await reader.run(
        `COPY (SELECT 7::INTEGER AS n, 1.5::FLOAT AS f, TIMESTAMP '2024-03-01 08:00:00' AS seen_at, 'x' AS s)
         TO '${path}' (FORMAT parquet)`,
      );

      const r = await clean(path, "parquet");

      expect(await silverTypes(r)).toMatchObject({ n: "BIGINT", f: "DOUBLE", seen_at: "TIMESTAMP WITH TIME ZONE", s: "VARCHAR" });
      const [row] = await query(`SELECT n, f, CAST(seen_at AS VARCHAR) AS seen_at FROM read_parquet($1, hive_partitioning = false)`, [silverGlob(r)]);
      expect(row).toEqual({ n: 7n, f: 1.5, seen_at: "2024-03-01 08:00:00+00" });
    });

    it("keeps integers beyond BIGINT exact when they come from JSON", async () => {
      // JSON numbers that overflow BIGINT must not turn into rounded doubles (ids, card numbers).
      const path = fixture("big.ndjson", '{"id": 12345678901234567890123}\n{"id": 1}\n');

      const r = await clean(path, "ndjson");

      const rows = await query(`SELECT CAST(id AS VARCHAR) AS id FROM read_parquet($1, hive_partitioning = false)`, [silverGlob(r)]);
      expect(rows.map((x) => x.id).sort()).toEqual(["1", "12345678901234567890123"]);
    });
  });

  describe("declared types and quarantine", () => {
    const contract = dataset({
      columns: { qty: { type: "integer" }, price: { type: "double" }, sold_on: { type: "date" }, paid: { type: "boolean" } },
    });

    it("quarantines values that do not fit their declared type, with rule, column, value and reason", async () => {
      const path = fixture(
        "declared.csv",
        csv(
          "id,qty,price,sold_on,paid",
          "1,2,9.5,2024-01-05,yes",
          "2,1.5,9.5,2024-01-05,no",
          "3,2,abc,2024-01-05,true",
          "4,2,9.5,2024-13-45,false",
          "5,2,9.5,2024-01-05,maybe",
          "6,1e3,9.5,2024-01-05,1",
        ),
      );

      // Five of six rows are bad: over the default gate, so this dataset opens it.
      const r = await clean(path, "csv", { ...contract, maxQuarantinedRatio: 1 });

      const quarantined = await quarantineRows(r);
      expect(quarantined.map((q) => [q._row_number, q._rule, q._column, q._value])).toEqual([
        [2n, "type", "qty", "1.5"],
        [3n, "type", "price", "abc"],
        [4n, "type", "sold_on", "2024-13-45"],
        [5n, "type", "paid", "maybe"],
        [6n, "type", "qty", "1e3"],
      ]);
      expect(quarantined[0]._reason).toBe("qty: 1.5 is not a valid integer");
      expect(quarantined[1]._reason).toBe("price: abc is not a valid double");
      expect(quarantined[2]._reason).toBe("sold_on: 2024-13-45 is not a valid date");
      expect(JSON.parse(String(quarantined[0]._record))).toMatchObject({ id: "2", qty: "1.5", price: "9.5" });
      expect(quarantined.every((q) => q._source_key === CTX.sourceKey && q._job_id === CTX.jobId)).toBe(true);
      await expectAccounted(r, 6);
      expect(r.stats.quarantinedRows).toBe(5);
    });

    it("never turns a value that does not fit into a silent NULL in silver", async () => {
      const path = fixture("silent.csv", csv("id,qty,price,sold_on,paid", "1,2,9.5,2024-01-05,true", "2,x,9.5,2024-01-05,true", "3,,,,"));

      const r = await clean(path, "csv", contract);

      const rows = await silverRows(r, "id");
      expect(rows.map((x) => x.id)).toEqual([1n, 3n]);
      expect(rows[1]).toMatchObject({ qty: null, price: null, sold_on: null, paid: null });
      expect(await silverTypes(r)).toMatchObject({ qty: "BIGINT", price: "DOUBLE", sold_on: "DATE", paid: "BOOLEAN" });
      await expectAccounted(r, 3);
    });

    it("lists every bad column of a row in the reason and names the first", async () => {
      const path = fixture("two-bad.csv", csv("id,qty,price", "1,x,y", "2,3,4.5"));

      const r = await clean(path, "csv", contract);

      const [q] = await quarantineRows(r);
      expect(q._column).toBe("qty");
      expect(q._reason).toBe("qty: x is not a valid integer; price: y is not a valid double");
      expect(r.stats).toMatchObject({ inputRows: 2, silverRows: 1, quarantinedRows: 1 });
    });

    it("writes no quarantine file when every row fits", async () => {
      const path = fixture("clean.csv", csv("id,qty", "1,2"));

      const r = await clean(path, "csv", contract);

      expect(r.quarantineFile).toBeUndefined();
      expect(parquetFiles(join(r.outDir, "quarantine"))).toEqual([]);
    });

    it("quarantines a JSON number with a fraction declared integer instead of rounding it", async () => {
      const path = fixture("qty.ndjson", '{"id": 1, "qty": 2}\n{"id": 2, "qty": 1.5}\n');

      const r = await clean(path, "ndjson", dataset({ columns: { qty: { type: "integer" } } }));

      const rows = await silverRows(r, "id");
      expect(rows.map((x) => [x.id, x.qty])).toEqual([[1n, 2n]]);
      expect(r.stats.quarantinedRows).toBe(1);
      await expectAccounted(r, 2);
    });

    it("quarantines a Parquet DOUBLE with a fraction declared integer, and keeps whole ones", async () => {
      const path = join(root, "in", "qty.parquet");
      mkdirSync(dirname(path), { recursive: true });
      await reader.run(`COPY (SELECT * FROM (VALUES (1, 2.0::DOUBLE), (2, 2.5::DOUBLE)) t(id, qty)) TO '${path}' (FORMAT parquet)`);

      const r = await clean(path, "parquet", dataset({ columns: { qty: { type: "integer" } } }));

      expect((await silverRows(r, "id")).map((x) => [x.id, x.qty])).toEqual([[1n, 2n]]);
      expect(r.stats.quarantinedRows).toBe(1);
      await expectAccounted(r, 2);
    });

    it("records quarantined values of typed (Parquet) columns as text in _value", async () => {
      const path = join(root, "in", "typed-bad.parquet");
      mkdirSync(dirname(path), { recursive: true });
      await reader.run(
        `COPY (SELECT * FROM (VALUES (1, 20240105::INTEGER, '3'), (2, NULL::INTEGER, 'x'), (3, NULL::INTEGER, '4')) t(id, sold_on, qty)) TO '${path}' (FORMAT parquet)`,
      );

      const r = await clean(path, "parquet", dataset({ columns: { sold_on: { type: "date" }, qty: { type: "integer" } }, maxQuarantinedRatio: 1 }));

      const quarantined = await quarantineRows(r);
      expect(quarantined.map((q) => [q._column, q._value])).toEqual([
        ["sold_on", "20240105"],
        ["qty", "x"],
      ]);
      const [type] = await query(`SELECT column_type FROM (DESCRIBE SELECT _value FROM read_parquet($1))`, [r.quarantineFile!]);
      expect(type).toEqual({ column_type: "VARCHAR" });
      await expectAccounted(r, 3);
    });

    it("quarantines text with more decimals than a declared decimal instead of rounding it", async () => {
      const path = fixture("money.csv", csv("id,amount", "1,10.25", "2,1.234"));

      const r = await clean(path, "csv", dataset({ columns: { amount: { type: "decimal(18,2)" } } }));

      expect(await silverTypes(r)).toMatchObject({ amount: "DECIMAL(18,2)" });
      const rows = await query(`SELECT id, CAST(amount AS VARCHAR) AS amount FROM read_parquet($1, hive_partitioning = false)`, [
        silverGlob(r),
      ]);
      expect(rows).toEqual([{ id: 1n, amount: "10.25" }]);
      expect(r.stats.quarantinedRows).toBe(1);
    });
  });

  describe("NULLs", () => {
    it("reads the default NULL tokens as NULL after trimming, and keeps other text", async () => {
      const path = fixture("nulls.csv", csv("id,v", "1,", "2,NULL", "3,N/A", "4,null", "5, n/a ", "6,none", "7,  x  "));

      const r = await clean(path, "csv");

      const rows = await silverRows(r, "id");
      expect(rows.map((x) => x.v)).toEqual([null, null, null, null, null, "none", "x"]);
    });

    it("uses the dataset's own NULL tokens instead of the defaults", async () => {
      const path = fixture("dash.csv", csv("id,v", "1,-", "2,NULL"));

      const r = await clean(path, "csv", dataset({ nullValues: ["-"] }));

      const rows = await silverRows(r, "id");
      expect(rows.map((x) => x.v)).toEqual([null, "NULL"]);
    });

    it("types a column from its non-NULL values only", async () => {
      const path = fixture("sparse.csv", csv("id,qty", "1,N/A", "2,5", "3,"));

      const r = await clean(path, "csv");

      expect(await silverTypes(r)).toMatchObject({ qty: "BIGINT" });
      expect((await silverRows(r, "id")).map((x) => x.qty)).toEqual([null, 5n, null]);
    });

    it("drops rows with a NULL in a drop column and counts them", async () => {
      const path = fixture("drop.csv", csv("id,customer", "1,ann", "2,", "3,NULL", "4,bob"));

      const r = await clean(path, "csv", dataset({ columns: { customer: { type: "string", nulls: "drop" } } }));

      expect((await silverRows(r, "id")).map((x) => x.id)).toEqual([1n, 4n]);
      expect(r.stats).toMatchObject({ inputRows: 4, silverRows: 2, droppedRows: 2, quarantinedRows: 0 });
      await expectAccounted(r, 4);
    });

    it("quarantines rather than drops a row whose drop column did not fit its type", async () => {
      const path = fixture("drop-bad.csv", csv("id,qty", "1,x", "2,", "3,4"));

      const r = await clean(path, "csv", dataset({ columns: { qty: { type: "integer", nulls: "drop" } } }));

      expect(r.stats).toMatchObject({ silverRows: 1, droppedRows: 1, quarantinedRows: 1 });
      await expectAccounted(r, 3);
    });

    it("fills NULLs with the configured value, typed like the column", async () => {
      const path = fixture("fill.csv", csv("id,qty,country,vip", "1,,,", "2,3,FR,true"));

      const r = await clean(
        path,
        "csv",
        dataset({
          columns: {
            qty: { type: "integer", nulls: { fill: 0 } },
            country: { type: "string", nulls: { fill: "unknown" } },
            vip: { type: "boolean", nulls: { fill: false } },
          },
        }),
      );

      const rows = await silverRows(r, "id");
      expect(rows.map((x) => [x.qty, x.country, x.vip])).toEqual([
        [0n, "unknown", false],
        [3n, "FR", true],
      ]);
      expect(await silverTypes(r)).toMatchObject({ qty: "BIGINT", country: "VARCHAR", vip: "BOOLEAN" });
      await expectAccounted(r, 2);
    });

    it("keeps NULLs under the keep policy", async () => {
      const path = fixture("keep.csv", csv("id,qty", "1,", "2,3"));

      const r = await clean(path, "csv", dataset({ columns: { qty: { type: "integer", nulls: "keep" } } }));

      expect((await silverRows(r, "id")).map((x) => x.qty)).toEqual([null, 3n]);
      expect(r.stats.droppedRows).toBe(0);
    });
  });

  describe("dedup", () => {
    it("removes whole-row duplicates by default and counts them", async () => {
      const path = fixture("dups.csv", csv("id,v", "1,a", "1,a", "1,b", "2,a", "1,a", "1, a "));

      const r = await clean(path, "csv");

      const rows = await silverRows(r, "id, v");
      expect(rows.map((x) => [x.id, x.v])).toEqual([
        [1n, "a"],
        [1n, "b"],
        [2n, "a"],
      ]);
      expect(r.stats).toMatchObject({ inputRows: 6, silverRows: 3, duplicateRows: 3 });
      await expectAccounted(r, 6);
    });

    it("keeps the first occurrence in file order per dedup key", async () => {
      const path = fixture("keys.csv", csv("order_id,status,seq", "A,new,1", "B,new,2", "A,paid,3", "A,shipped,4", "B,paid,5"));

      const r = await clean(path, "csv", dataset({ dedupKeys: ["order_id"] }));

      const rows = await silverRows(r, "order_id");
      expect(rows.map((x) => [x.order_id, x.status, x.seq])).toEqual([
        ["A", "new", 1n],
        ["B", "new", 2n],
      ]);
      expect(r.stats.duplicateRows).toBe(3);
      await expectAccounted(r, 5);
    });

    it("keeps the first occurrence in file order across many Parquet row groups", async () => {
      const path = join(root, "in", "many.parquet");
      mkdirSync(dirname(path), { recursive: true });
      await reader.run(
        `COPY (SELECT i::INTEGER AS pos, (i % 500)::INTEGER AS key FROM range(40000) t(i)) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`,
      );

      const r = await clean(path, "parquet", dataset({ dedupKeys: ["key"] }));

      const [kept] = await query<{ n: bigint; late: bigint }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE pos <> key) AS late FROM read_parquet($1, hive_partitioning = false)`,
        [silverGlob(r)],
      );
      expect(kept).toEqual({ n: 500n, late: 0n });
      await expectAccounted(r, 40000);
    });

    it("dedups after filling NULLs and never counts quarantined rows as duplicates", async () => {
      const path = fixture("dedup-mixed.csv", csv("id,qty", "1,", "1,0", "2,x", "2,x", "3,1"));

      const r = await clean(path, "csv", dataset({ columns: { qty: { type: "integer", nulls: { fill: 0 } } } }));

      expect(r.stats).toMatchObject({ silverRows: 2, duplicateRows: 1, quarantinedRows: 2 });
      await expectAccounted(r, 5);
    });

    it("takes two NULLs for one value in whole-row dedup, and never dedups rows whose declared key is NULL", async () => {
      const path = fixture("dedup-nulls.csv", csv("id,v,seq", "1,,7", "1,,7", ",a,8", ",a,8", "2,b,9"));

      const whole = await clean(path, "csv");
      expect((await silverRows(whole, "seq")).map((x) => [x.id, x.v, x.seq])).toEqual([
        [1n, null, 7n],
        [null, "a", 8n],
        [2n, "b", 9n],
      ]);
      expect(whole.stats).toMatchObject({ silverRows: 3, duplicateRows: 2 });

      const keyed = await clean(path, "csv", dataset({ dedupKeys: ["id"] }));
      expect((await silverRows(keyed, "seq")).map((x) => x.seq)).toEqual([7n, 8n, 8n, 9n]);
      expect(keyed.stats).toMatchObject({ silverRows: 4, duplicateRows: 1 });
      await expectAccounted(keyed, 5);
    });
  });

  describe("derived columns", () => {
    it("adds _row_hash, _source_key, _job_id and _processed_at", async () => {
      const path = fixture("derived.csv", csv("id,v", "1,a", "2,b"));

      const r = await clean(path, "csv");

      const types = await silverTypes(r);
      expect(types).toMatchObject({ _row_hash: "VARCHAR", _source_key: "VARCHAR", _job_id: "VARCHAR", _processed_at: "TIMESTAMP WITH TIME ZONE" });
      const rows = await query(
        `SELECT _row_hash, _source_key, _job_id, CAST(_processed_at AS VARCHAR) AS processed FROM read_parquet($1, hive_partitioning = false) ORDER BY id`,
        [silverGlob(r)],
      );
      for (const row of rows) {
        expect(row).toMatchObject({ _source_key: CTX.sourceKey, _job_id: CTX.jobId, processed: "2024-06-01 12:34:56+00" });
        expect(row._row_hash).toMatch(/^[0-9a-f]{32}$/);
      }
      expect(rows[0]._row_hash).not.toBe(rows[1]._row_hash);
    });

    it("pins _row_hash to the md5 (RFC 1321) of the row's values as a JSON array of text (RFC 8259), so an engine upgrade that changed it fails here", async () => {
      const path = fixture("pinned.csv", csv("id,price,day,seen_at,ok,name,empty", '7,3.5,2024-01-05,2024-01-05 10:00:00,true,"é ""x""",'));

      const r = await clean(path, "csv");

      const [row] = await silverRows(r, "id");
      // Instants enter as epoch microseconds; NULL as JSON null.
      const values = ["7", "3.5", "2024-01-05", "1704448800000000", "true", 'é "x"', null];
      expect(row._row_hash).toBe(createHash("md5").update(JSON.stringify(values)).digest("hex"));
      expect(row._row_hash).toBe("713341f87dcdac44f09cd5d645c28445");
    });

    it("hashes the same business values the same in two separate runs with different job ids", async () => {
      const first = fixture("day1.csv", csv("id,v,seen_at", "1,a,2024-01-05 10:00:00", "2,b,2024-01-06 10:00:00"));
      const second = fixture("day2.csv", csv("id,v,seen_at", "2,b,2024-01-06T12:00:00+02:00", "3,c,2024-01-07 10:00:00", "1,a,2024-01-05 10:00:00"));

      const a = await clean(first, "csv", dataset(), { jobId: "job-a", processedAt: "2024-06-01T00:00:00Z" });
      const b = await clean(second, "csv", dataset(), { jobId: "job-b", processedAt: "2024-07-01T00:00:00Z", sourceKey: "incoming/sales/x.csv" });

      const hashes = async (r: SilverResult) =>
        Object.fromEntries((await silverRows(r, "id")).map((x) => [String(x.id), x._row_hash]));
      const ha = await hashes(a);
      const hb = await hashes(b);
      expect(hb["1"]).toBe(ha["1"]);
      expect(hb["2"]).toBe(ha["2"]);
      expect(hb["3"]).not.toBe(ha["1"]);
    });

    it("does not let a file overwrite the derived columns with its own", async () => {
      const path = fixture("own.csv", csv("id,_job_id,_row_hash", "1,evil,abc"));

      const r = await clean(path, "csv");

      const [row] = await silverRows(r, "id");
      expect(row._job_id).toBe(CTX.jobId);
      expect(row._row_hash).not.toBe("abc");
      expect(row.job_id).toBe("evil");
      expect(row.row_hash).toBe("abc");
    });
  });

  describe("partitions", () => {
    it("partitions by the event date in zero-padded year=/month=/day= folders, NULL dates by ingest date", async () => {
      const path = fixture("events.csv", csv("id,order_date", "1,2024-01-05", "2,2024-11-30", "3,", "4,2024-01-05"));

      const r = await clean(path, "csv", dataset({ eventTime: "order_date" }));

      expect(parquetFiles(r.silverDir)).toEqual([
        `year=2024/month=01/day=05/${CTX.sourceId}_0.parquet`,
        `year=2024/month=06/day=01/${CTX.sourceId}_0.parquet`,
        `year=2024/month=11/day=30/${CTX.sourceId}_0.parquet`,
      ]);
      const jan = await query(`SELECT id FROM read_parquet($1, hive_partitioning = false) ORDER BY id`, [
        join(r.silverDir, "year=2024/month=01/day=05/*.parquet"),
      ]);
      expect(jan.map((x) => x.id)).toEqual([1n, 4n]);
      const ingest = await query(`SELECT id, order_date FROM read_parquet($1, hive_partitioning = false)`, [
        join(r.silverDir, "year=2024/month=06/day=01/*.parquet"),
      ]);
      expect(ingest).toEqual([{ id: 3n, order_date: null }]);
    });

    it("partitions a timestamp event time by its UTC date", async () => {
      const path = fixture("ts.csv", csv("id,seen_at", "1,2024-03-09T23:30:00-05:00", "2,2024-03-09T01:00:00+03:00"));

      const r = await clean(path, "csv", dataset({ eventTime: "seen_at" }));

      expect(parquetFiles(r.silverDir).map((f) => dirname(f))).toEqual(["year=2024/month=03/day=08", "year=2024/month=03/day=10"]);
    });

    it("partitions by the ingest date when no event time is configured", async () => {
      const path = fixture("plain.csv", csv("id,order_date", "1,2024-01-05", "2,2023-02-03"));

      const r = await clean(path, "csv", dataset(), { ingestDate: "2025-02-03" });

      expect(parquetFiles(r.silverDir)).toEqual([`year=2025/month=02/day=03/${CTX.sourceId}_0.parquet`]);
    });

    it("keeps the partition values out of the file's own columns", async () => {
      const path = fixture("cols.csv", csv("id,year,day", "1,1999,mon"));

      const r = await clean(path, "csv");

      const types = await silverTypes(r);
      expect(Object.keys(types)).toEqual(["id", "year_2", "day_2", "_row_hash", "_source_key", "_job_id", "_processed_at"]);
      const [row] = await silverRows(r, "id");
      expect(row).toMatchObject({ year_2: 1999n, day_2: "mon" });
    });

    it("falls back to the ingest date when the event-time column is empty in every row", async () => {
      const path = fixture("no-dates.csv", csv("id,order_date", "1,", "2,N/A"));

      const r = await clean(path, "csv", dataset({ eventTime: "order_date" }));

      expect(parquetFiles(r.silverDir)).toEqual([`year=2024/month=06/day=01/${CTX.sourceId}_0.parquet`]);
      await expectAccounted(r, 2);
    });
  });

  describe("Parquet output", () => {
    it("writes standard physical and logical types", async () => {
      const path = fixture(
        "phys.csv",
        csv("id,price,active,sold_on,seen_at,name", "1,1.5,true,2024-01-05,2024-01-05 10:00:00,a", "2,2,false,2024-01-06,2024-01-06 10:00:00,b"),
      );

      const r = await clean(path, "csv", dataset({ eventTime: "sold_on" }));

      const [file] = parquetFiles(r.silverDir);
      const schema = await query<{ name: string; type: string; converted_type: string | null; logical_type: string | null }>(
        `SELECT name, type, converted_type, logical_type FROM parquet_schema($1) WHERE type IS NOT NULL`,
        [join(r.silverDir, file)],
      );
      const byName = Object.fromEntries(schema.map((c) => [c.name, c]));
      expect(byName.id).toMatchObject({ type: "INT64" });
      expect(byName.price).toMatchObject({ type: "DOUBLE" });
      expect(byName.active).toMatchObject({ type: "BOOLEAN" });
      expect(byName.sold_on).toMatchObject({ type: "INT32", converted_type: "DATE" });
      expect(byName.name).toMatchObject({ type: "BYTE_ARRAY", converted_type: "UTF8" });
      for (const ts of [byName.seen_at, byName._processed_at]) {
        expect(ts.type).toBe("INT64");
        expect(ts.logical_type).toContain("TimestampType(isAdjustedToUTC=1");
      }
      expect(Object.keys(byName)).not.toContain("year");
    });

    it("compresses silver and quarantine files with ZSTD", async () => {
      const path = fixture("zstd.csv", csv("id,qty", "1,2", "2,x"));

      const r = await clean(path, "csv", dataset({ columns: { qty: { type: "integer" } } }));

      const files = [...parquetFiles(r.silverDir).map((f) => join(r.silverDir, f)), r.quarantineFile!];
      for (const file of files) {
        const codecs = await query<{ compression: string }>(`SELECT DISTINCT compression FROM parquet_metadata($1)`, [file]);
        expect(codecs).toEqual([{ compression: "ZSTD" }]);
      }
    });

    it("names silver files after the source id so a new upload of the same key replaces them", async () => {
      const path = fixture("same.csv", csv("id", "1"));

      const first = await clean(path, "csv", dataset(), { sourceId: "same-aaaaaaaaaaaa" });
      const second = await clean(path, "csv", dataset(), { sourceId: "same-aaaaaaaaaaaa", jobId: "job-2" });

      expect(parquetFiles(first.silverDir)).toEqual(parquetFiles(second.silverDir));
      expect(basename(parquetFiles(first.silverDir)[0])).toBe("same-aaaaaaaaaaaa_0.parquet");
    });
  });

  describe("rejected files", () => {
    it("raises ContractViolationError for a missing required column and writes nothing", async () => {
      const path = fixture("missing.csv", csv("id,price", "1,2"));

      const error = await failure(clean(path, "csv", dataset({ columns: { qty: { type: "integer", required: true } } })));

      expect(error).toBeInstanceOf(ContractViolationError);
      expect(error.message).toMatch(/missing\.csv lacks column\(s\) qty required by dataset sales/);
      expect(parquetFiles(root).filter((f) => !f.startsWith("in"))).toEqual([]);
    });

    it("raises ContractViolationError when a dedup key or the event-time column is missing", async () => {
      const path = fixture("nokeys.csv", csv("id", "1"));

      const noKey = await failure(clean(path, "csv", dataset({ dedupKeys: ["order_id"] })));
      const noEvent = await failure(clean(path, "csv", dataset({ eventTime: "order_date" })));

      expect(noKey).toBeInstanceOf(ContractViolationError);
      expect(noKey.message).toMatch(/order_id/);
      expect(noEvent).toBeInstanceOf(ContractViolationError);
      expect(noEvent.message).toMatch(/order_date/);
    });

    it("raises ContractViolationError when the event-time column holds something other than dates", async () => {
      const path = fixture("baddates.csv", csv("id,order_date", "1,2024-01-05", "2,next tuesday"));

      const error = await failure(clean(path, "csv", dataset({ eventTime: "order_date" })));

      expect(error).toBeInstanceOf(ContractViolationError);
      expect(error.message).toMatch(/order_date.*VARCHAR/);
      expect(parquetFiles(root).filter((f) => !f.startsWith("in"))).toEqual([]);
    });

    it("raises EmptyFileError for a header-only CSV, a 0-byte file and an empty JSON array", async () => {
      const headerOnly = fixture("header.csv", "id,qty\n");
      const zero = fixture("zero.csv", "");
      const emptyArray = fixture("empty.json", "[]");

      const errors = [await failure(clean(headerOnly, "csv")), await failure(clean(zero, "csv")), await failure(clean(emptyArray, "json"))];

      for (const error of errors) expect(error).toBeInstanceOf(EmptyFileError);
      expect(errors[0].message).toBe("header.csv has no data rows");
    });

    it("raises MalformedFileError for broken JSON, NDJSON and Parquet", async () => {
      const json = fixture("broken.json", '[{"a": 1}, {"a": ');
      const ndjson = fixture("broken.ndjson", '{"a": 1}\n{"a": \n');
      const parquet = fixture("broken.parquet", Buffer.from("PAR1 not really parquet"));

      const errors = [await failure(clean(json, "json")), await failure(clean(ndjson, "ndjson")), await failure(clean(parquet, "parquet"))];

      for (const error of errors) expect(error).toBeInstanceOf(MalformedFileError);
      expect(errors[0].message).toMatch(/^broken\.json could not be read as json: /);
      expect(errors[2].message).toMatch(/^broken\.parquet could not be read as parquet: /);
    });

    it("reads a single pretty-printed JSON object, which sniffFormat calls json, as one row", async () => {
      const path = fixture("object.json", '{\n  "id": 1,\n  "name": "only"\n}\n');

      const r = await clean(path, "json");

      expect((await silverRows(r, "id")).map((x) => [x.id, x.name])).toEqual([[1n, "only"]]);
    });
  });

  describe("hostile input", () => {
    it("keeps hostile and duplicate headers as safe unique names and stores values verbatim", async () => {
      const path = fixture(
        "hostile.csv",
        csv(
          `id,"na""me","; DROP TABLE x; --",Prénom,日本,a,a,`,
          `1,"O'Brien ""The Boss""","'); DROP TABLE src; --",Zoë,"x,y",1,2,3`,
          `2,"\\'; SELECT 1; --","$1 $2 ? %s {}","🙂",'q',4,5,6`,
        ),
      );

      const r = await clean(path, "csv");

      expect(r.columns.map((c) => [c.original, c.name])).toEqual([
        ["id", "id"],
        ['na"me', "na_me"],
        ["; DROP TABLE x; --", "drop_table_x"],
        ["Prénom", "prenom"],
        ["日本", "ri_ben"],
        ["a", "a"],
        // The file's own header cells, not the reader's renamed duplicates.
        ["a", "a_2"],
        ["column_8", "column_8"],
      ]);
      const rows = await silverRows(r, "id");
      expect(rows.map((x) => [x.na_me, x.drop_table_x, x.prenom, x.ri_ben])).toEqual([
        [`O'Brien "The Boss"`, "'); DROP TABLE src; --", "Zoë", "x,y"],
        [`\\'; SELECT 1; --`, "$1 $2 ? %s {}", "🙂", "'q'"],
      ]);
      await expectAccounted(r, 2);
    });

    it("quarantines hostile values verbatim under their original headers", async () => {
      const path = fixture("hostile-q.csv", csv(`id,"Qty ""; DROP TABLE t; --"`, `1,"'); DROP TABLE src; --"`, "2,3"));

      const r = await clean(path, "csv", dataset({ columns: { qty_drop_table_t: { type: "integer" } } }));

      const [q] = await quarantineRows(r);
      expect(q._column).toBe("qty_drop_table_t");
      expect(q._value).toBe("'); DROP TABLE src; --");
      expect(JSON.parse(String(q._record))).toEqual({ id: "1", 'Qty "; DROP TABLE t; --': "'); DROP TABLE src; --" });
    });

    it("reads JSON keys with quotes and unicode", async () => {
      const path = fixture("keys.ndjson", `${JSON.stringify({ 'a"b': 1, "é t é": "x", "select": "from" })}\n`);

      const r = await clean(path, "ndjson");

      const [row] = await silverRows(r, "a_b");
      expect(row).toMatchObject({ a_b: 1n, e_t_e: "x", select: "from" });
    });
  });

  describe("csv-spectrum", () => {
    const require = createRequire(import.meta.url);
    const spectrum = dirname(require.resolve("csv-spectrum/package.json"));
    const cases = readdirSync(join(spectrum, "csvs"))
      .map((f) => f.replace(/\.csv$/, ""))
      .filter((name) => name !== "location_coordinates");

    it.each(cases)("reads %s as its expected JSON says (empty strings as NULL)", async (name) => {
      const expected = (JSON.parse(readFileSync(join(spectrum, "json", `${name}.json`), "utf8")) as Record<string, string>[]).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, value]) => [k, value === "" ? null : value])),
      );

      const r = await clean(join(spectrum, "csvs", `${name}.csv`), "csv");

      const names = Object.keys(expected[0]);
      const rows = await query(
        `SELECT ${names.map((n) => `CAST("${n}" AS VARCHAR) AS "${n}"`).join(", ")} FROM read_parquet($1, hive_partitioning = false)`,
        [silverGlob(r)],
      );
      const sorted = (list: Row[]) => list.map((x) => JSON.stringify(x)).sort();
      expect(sorted(rows)).toEqual(sorted(expected));
      await expectAccounted(r, expected.length);
    });

    it("reads location_coordinates into one row of four columns", async () => {
      const path = join(spectrum, "csvs", "location_coordinates.csv");

      const r = await clean(path, "csv");

      expect(r.columns.map((c) => c.name)).toEqual(["contact_phone_number", "location_coordinates", "cities", "counties"]);
      const rows = await silverRows(r, "cities");
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ cities: "Modesto", counties: "Stanislaus" });
    });
  });
});
