/**
 * vega-datasets (npm) through the real local pipeline: which files run in which test file, what
 * each must do, and the checks, registered by `describeVegaGroup` from `vega*.test.ts`.
 *
 * Every file of the package's `data/` folder is run; the groups only spread them over test files
 * so each stays well under a minute on two cores (`vegaOther.test.ts` checks that the groups cover
 * the folder exactly). What a file must do:
 *
 * - `success`: tables (CSV, TSV, JSON arrays of records, Parquet). The job ends SUCCESS with
 *   `inputRows = silverRows + duplicateRows + quarantinedRows + droppedRows`; silver rows plus
 *   duplicates equal DuckDB's own count of the file, silver rows its count of distinct rows
 *   (whole-row dedup is the default); every column is kept, named in lower snake_case; types are
 *   sensible (below); numeric sums and temporal min/max agree with DuckDB's reading of the file.
 * - `success-or-terminal`: a JSON file that is one object, not an array of records (TopoJSON,
 *   GeoJSON, graphs, grids). Either it succeeds as above (DuckDB reads such a file as one row), or
 *   it is rejected with a terminal error naming the file.
 * - `terminal`: images and Arrow IPC, formats the pipeline does not read: FAILED with
 *   UnsupportedFormatError naming the file, nothing in silver, the upload left in `incoming/`.
 *
 * Sensible types, per source column, from two oracles that are not the pipeline: DuckDB's own
 * detection when it reads the file, and the field types the package declares in datapackage.json.
 * DuckDB integer → BIGINT; DuckDB DOUBLE/DECIMAL → DOUBLE or DECIMAL; DuckDB DATE → DATE; DuckDB
 * TIMESTAMP → TIMESTAMPTZ (instants in UTC); DuckDB BOOLEAN → BOOLEAN; where DuckDB reads text,
 * a field the package declares integer/number must be numeric and one it declares date/datetime
 * must be DATE or TIMESTAMPTZ. Exception (README "Types"): a column with a leading-zero integer
 * such as `00501` stays text. Nested values (DuckDB STRUCT/LIST) are not type-checked: how they
 * are stored (JSON text, flattened columns) is the pipeline's choice.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestPipeline } from "../helpers/pipeline.ts";
import {
  ident,
  isPipelineColumn,
  Oracle,
  RAW,
  runFile,
  scratchDir,
  SNAKE_CASE,
  sqlPaths,
  startPublicPipeline,
  TERMINAL_TYPES,
  VEGA_DIR,
  VEGA_PACKAGE,
  type Run,
} from "./support.ts";

export type Expectation = "success" | "success-or-terminal" | "terminal";
export type Group = "csv" | "json" | "other";

/** One file of the package and what it must do. */
export type VegaCase = {
  /** The package's file: names the test, the upload and its dataset; its datapackage.json entry applies. */
  file: string;
  /** Another file to upload in its place (a sample derived from it), under another name. */
  derived?: { path: string; name: string };
  expect: Expectation;
  /** Upload in parts: above 11 MiB the S3 emulator refuses one PUT. */
  multipart?: boolean;
  /** Timeout for running it, when the default minute is not enough. */
  timeoutMs?: number;
};

/** Every file in the package's data folder, sorted. */
export const VEGA_FILES = readdirSync(VEGA_DIR).sort();

/** The group (test file) a package file runs in, by its extension. */
export function groupOf(file: string): Group {
  if (/\.(csv|tsv)$/i.test(file)) return "csv";
  if (/\.json$/i.test(file)) return "json";
  return "other";
}

/** Images and Arrow IPC files are not formats the pipeline reads. */
const UNSUPPORTED = /\.(png|arrow)$/i;

/** Files larger than the S3 emulator takes in one PUT (11 MiB). */
const LARGE = 11 * 1024 * 1024;

/** What a package file must do (see the header). */
export function expectationOf(file: string): Expectation {
  if (UNSUPPORTED.test(file)) return "terminal";
  if (/\.json$/i.test(file)) {
    const head = Buffer.alloc(256);
    const fd = openSync(join(VEGA_DIR, file), "r");
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    return head.subarray(0, n).toString("utf8").trimStart().startsWith("[") ? "success" : "success-or-terminal";
  }
  return "success";
}

/** The cases of one group: every package file of that group. */
export function vegaCases(group: Group): VegaCase[] {
  return VEGA_FILES.filter((f) => groupOf(f) === group).map((file) => {
    const { size } = statSync(join(VEGA_DIR, file));
    return {
      file,
      expect: expectationOf(file),
      ...(size > LARGE ? { multipart: true, timeoutMs: 240_000 } : {}),
    };
  });
}

type Field = { name: string; type: string };

/** Field types the package declares for each file (datapackage.json), by file name. */
const DECLARED: Map<string, Field[]> = new Map(
  (JSON.parse(readFileSync(VEGA_PACKAGE, "utf8")).resources as { path: string; schema?: { fields?: Field[] } }[]).map(
    (r) => [r.path, r.schema?.fields ?? []],
  ),
);

/** A file name as a dataset name: `flights-2k.json` → `vega_flights_2k`. */
export function datasetFor(file: string): string {
  return `vega_${file.replace(/\.[^.]+$/, "").replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/[^a-z0-9]+/g, "_")}`;
}

/** DuckDB's reader for a source file, with its own detection. */
function reader(path: string, file: string, text = false): string {
  if (/\.parquet$/i.test(file)) return `read_parquet(${sqlPaths(path)})`;
  if (/\.json$/i.test(file)) return `read_json(${sqlPaths(path)})`;
  return `read_csv(${sqlPaths(path)}${text ? ", all_varchar = true" : ""})`;
}

const NESTED = /^(STRUCT|MAP|UNION)\(|\[\d*\]$/;
const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const FRACTIONAL = /^(DOUBLE|FLOAT|REAL|DECIMAL\(\d+,\d+\))$/;
const TIMESTAMP = /^TIMESTAMP/;
const NUMERIC_SILVER = /^(BIGINT|DOUBLE|DECIMAL\(\d+,\d+\))$/;
const TEMPORAL_SILVER = /^(DATE|TIMESTAMP WITH TIME ZONE)$/;

type Column = { name: string; type: string };

/** What we know about one file after its run: the pipeline's outputs and DuckDB's own reading. */
type Facts = {
  run: Run;
  source: { columns: Column[]; rows: number; distinct: number };
  silver?: { columns: Column[]; rows: number };
};

async function gather(oracle: Oracle, run: Run, path: string, file: string, expectation: Expectation): Promise<Facts> {
  // DuckDB reads no image or Arrow file either: there is nothing to compare with.
  if (expectation === "terminal") return { run, source: { columns: [], rows: 0, distinct: 0 } };
  const from = reader(path, file);
  const columns = (await oracle.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`)).map(
    (c) => ({ name: c.column_name, type: c.column_type }),
  );
  const [counts] = await oracle.rows<{ n: bigint; d: bigint }>(
    `SELECT (SELECT count(*) FROM ${from}) AS n, (SELECT count(*) FROM (SELECT DISTINCT * FROM ${from})) AS d`,
  );
  const facts: Facts = { run, source: { columns, rows: Number(counts.n), distinct: Number(counts.d) } };
  if (run.silverFiles.length) {
    const silver = sqlPaths(run.silverFiles);
    const described = await oracle.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${silver})`);
    const [{ n }] = await oracle.rows<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${silver})`);
    facts.silver = {
      columns: described.map((c) => ({ name: c.column_name, type: c.column_type })).filter((c) => !isPipelineColumn(c.name)),
      rows: Number(n),
    };
  }
  return facts;
}

/** The silver name of each source column, from the job record's column mapping. */
function silverNames(facts: Facts): Map<string, string> {
  const mapping = (facts.run.job?.columns ?? []) as { original: string; name: string }[];
  return new Map(mapping.map((m) => [m.original, m.name]));
}

/** Type mismatches against the two oracles, one line each; empty when every column is sensible. */
async function typeProblems(oracle: Oracle, facts: Facts, path: string, file: string): Promise<string[]> {
  const declared = new Map((DECLARED.get(file) ?? []).map((f) => [f.name, f.type]));
  const names = silverNames(facts);
  const stored = new Map(facts.silver!.columns.map((c) => [c.name, c.type]));
  const problems: string[] = [];
  for (const col of facts.source.columns) {
    if (NESTED.test(col.type)) continue;
    const name = names.get(col.name);
    const got = name === undefined ? undefined : stored.get(name);
    if (got === undefined) {
      problems.push(`${col.name}: not found in silver (mapped to ${name})`);
      continue;
    }
    const d = declared.get(col.name);
    let want: RegExp | undefined;
    let label = "";
    if (INTEGER.test(col.type)) [want, label] = [/^BIGINT$/, `BIGINT (DuckDB reads ${col.type})`];
    else if (FRACTIONAL.test(col.type)) [want, label] = [/^(DOUBLE|DECIMAL\(\d+,\d+\))$/, `DOUBLE (DuckDB reads ${col.type})`];
    else if (col.type === "DATE") [want, label] = [/^DATE$/, "DATE (DuckDB reads DATE)"];
    else if (TIMESTAMP.test(col.type)) [want, label] = [/^TIMESTAMP WITH TIME ZONE$/, `TIMESTAMPTZ (DuckDB reads ${col.type})`];
    else if (col.type === "BOOLEAN") [want, label] = [/^BOOLEAN$/, "BOOLEAN (DuckDB reads BOOLEAN)"];
    else if (d === "integer" || d === "number") [want, label] = [NUMERIC_SILVER, `a number (datapackage: ${d})`];
    else if (d === "date" || d === "datetime") [want, label] = [TEMPORAL_SILVER, `DATE or TIMESTAMPTZ (datapackage: ${d})`];
    else if (d === "boolean") [want, label] = [/^BOOLEAN$/, "BOOLEAN (datapackage: boolean)"];
    if (!want || want.test(got)) continue;
    const numeric = INTEGER.test(col.type) || FRACTIONAL.test(col.type) || d === "integer" || d === "number";
    if (numeric && got === "VARCHAR" && (await hasLeadingZero(oracle, path, file, col.name))) continue;
    problems.push(`${col.name} → ${name}: ${got}, expected ${label}`);
  }
  return problems;
}

/** True when some value of the column is an integer written with a leading zero (`00501`). */
async function hasLeadingZero(oracle: Oracle, path: string, file: string, column: string): Promise<boolean> {
  const [{ n }] = await oracle.rows<{ n: bigint }>(
    `SELECT count(*) AS n FROM ${reader(path, file, true)} WHERE regexp_full_match(trim(CAST(${ident(column)} AS VARCHAR)), '[+-]?0[0-9]+')`,
  );
  return n > 0n;
}

/**
 * Numeric sums and temporal min/max of every column typed on both sides, silver against DuckDB's
 * reading of the file's distinct rows; one line per disagreement.
 */
async function valueProblems(oracle: Oracle, facts: Facts, path: string, file: string): Promise<string[]> {
  const names = silverNames(facts);
  const stored = new Map(facts.silver!.columns.map((c) => [c.name, c.type]));
  const checks: { source: string; silver: string; kind: "int" | "float" | "time" }[] = [];
  for (const col of facts.source.columns) {
    const name = names.get(col.name);
    const got = name === undefined ? undefined : stored.get(name);
    if (!name || !got) continue;
    if (INTEGER.test(col.type) && got === "BIGINT") checks.push({ source: col.name, silver: name, kind: "int" });
    else if ((INTEGER.test(col.type) || FRACTIONAL.test(col.type)) && NUMERIC_SILVER.test(got))
      checks.push({ source: col.name, silver: name, kind: "float" });
    else if ((col.type === "DATE" || TIMESTAMP.test(col.type)) && TEMPORAL_SILVER.test(got))
      checks.push({ source: col.name, silver: name, kind: "time" });
  }
  if (!checks.length) return [];
  const aggregates = (pick: (c: (typeof checks)[number]) => string) =>
    checks
      .map((c, i) => {
        const v = ident(pick(c));
        if (c.kind === "int") return `CAST(sum(${v}) AS VARCHAR) AS "a${i}", NULL AS "b${i}"`;
        if (c.kind === "float") return `CAST(sum(${v}) AS DOUBLE) AS "a${i}", NULL AS "b${i}"`;
        return `CAST(CAST(min(${v}) AS TIMESTAMP) AS VARCHAR) AS "a${i}", CAST(CAST(max(${v}) AS TIMESTAMP) AS VARCHAR) AS "b${i}"`;
      })
      .join(", ");
  const [want] = await oracle.rows(`SELECT ${aggregates((c) => c.source)} FROM (SELECT DISTINCT * FROM ${reader(path, file)})`);
  const [got] = await oracle.rows(`SELECT ${aggregates((c) => c.silver)} FROM read_parquet(${sqlPaths(facts.run.silverFiles)})`);
  const problems: string[] = [];
  checks.forEach((c, i) => {
    for (const k of [`a${i}`, `b${i}`]) {
      const [w, g] = [want[k], got[k]];
      const same =
        c.kind === "float" && typeof w === "number" && typeof g === "number"
          ? Math.abs(w - g) <= 1e-9 * Math.max(1, Math.abs(w), Math.abs(g))
          : w === g;
      if (!same) problems.push(`${c.source} → ${c.silver}: ${k.startsWith("a") ? (c.kind === "time" ? "min" : "sum") : "max"} ${String(g)} in silver, ${String(w)} in the file`);
    }
  });
  return problems;
}

/**
 * Registers one describe block per case: a pipeline (one per test file) runs the file in the
 * block's beforeAll, and the tests check what it did.
 */
export function describeVegaCases(title: string, cases: VegaCase[]): void {
  describe(title, () => {
    let p: TestPipeline;
    let oracle: Oracle;
    const scratch = scratchDir();

    beforeAll(async () => {
      p = await startPublicPipeline();
      oracle = await Oracle.open();
    });
    afterAll(async () => {
      oracle?.close();
      await p?.stop();
      scratch.remove();
    });

    for (const c of cases) {
      const name = c.derived?.name ?? c.file;
      describe(name, () => {
        const key = `incoming/public/${name}`;
        const dataset = datasetFor(name);
        const path = c.derived?.path ?? join(VEGA_DIR, c.file);
        let facts: Facts;

        beforeAll(async () => {
          const run = await runFile(p, scratch.dir, { file: path, key, dataset, multipart: c.multipart });
          facts = await gather(oracle, run, path, c.file, c.expect);
        }, c.timeoutMs);

        const failed = () => facts.run.outcome.status === "FAILED";

        if (c.expect === "terminal") {
          it("fails with UnsupportedFormatError naming the file, writing nothing and keeping the upload", async () => {
            expect(facts.run.outcome.status).toBe("FAILED");
            expect(facts.run.job?.status).toBe("FAILED");
            expect(facts.run.job?.error?.type).toBe("UnsupportedFormatError");
            expect(facts.run.job?.error?.message).toContain(name);
            expect(facts.run.silverKeys).toEqual([]);
            expect(await p.keys(RAW, key)).toEqual([key]);
          });
          return;
        }

        it(
          c.expect === "success"
            ? "ends SUCCESS with inputRows = silver + duplicates + quarantined + dropped"
            : "ends SUCCESS with every row accounted for, or fails with a terminal error naming the file",
          async () => {
            const { outcome, job } = facts.run;
            if (c.expect === "success-or-terminal" && failed()) {
              expect(job?.status).toBe("FAILED");
              expect(TERMINAL_TYPES).toContain(job?.error?.type);
              expect(job?.error?.message).toContain(name);
              expect(facts.run.silverKeys).toEqual([]);
              expect(await p.keys(RAW, key)).toEqual([key]);
              return;
            }
            expect(outcome.error, JSON.stringify(job?.error)).toBeUndefined();
            expect(outcome.status).toBe("SUCCEEDED");
            expect(job?.status).toBe("SUCCESS");
            expect(job?.dataset).toBe(dataset);
            const s = job!.stats;
            expect(s.inputRows).toBe(s.silverRows + s.duplicateRows + s.quarantinedRows + s.droppedRows);
            expect(facts.silver?.rows, "rows in the silver Parquet").toBe(s.silverRows);
            expect(await p.keys(RAW, `archived/public/${name}`)).toEqual([`archived/public/${name}`]);
          },
        );

        it("keeps every row: silver + duplicates = DuckDB's count of the file, silver = its distinct rows", () => {
          if (c.expect === "success-or-terminal" && failed()) return;
          expect(facts.silver, "no silver written").toBeDefined();
          const s = facts.run.job!.stats;
          expect({ inputRows: s.inputRows, silverPlusDuplicates: s.silverRows + s.duplicateRows, silverRows: facts.silver!.rows }).toEqual({
            inputRows: facts.source.rows,
            silverPlusDuplicates: facts.source.rows,
            silverRows: facts.source.distinct,
          });
        });

        it("keeps every column, named in lower snake_case", () => {
          if (c.expect === "success-or-terminal" && failed()) return;
          expect(facts.silver, "no silver written").toBeDefined();
          const silverColumns = facts.silver!.columns.map((col) => col.name);
          expect(silverColumns.filter((n) => !SNAKE_CASE.test(n))).toEqual([]);
          expect(new Set(silverColumns).size).toBe(silverColumns.length);
          // With nested values the stored columns are the pipeline's choice; flat files map one to one.
          if (facts.source.columns.some((col) => NESTED.test(col.type))) return;
          const mapping = (facts.run.job?.columns ?? []) as { original: string; name: string }[];
          expect(mapping.map((m) => m.original)).toEqual(facts.source.columns.map((col) => col.name));
          expect(silverColumns).toEqual(mapping.map((m) => m.name));
        });

        it("stores sensible types: numbers numeric, dates DATE or TIMESTAMPTZ", async () => {
          if (c.expect === "success-or-terminal" && failed()) return;
          expect(facts.silver, "no silver written").toBeDefined();
          expect(await typeProblems(oracle, facts, path, c.file)).toEqual([]);
        });

        it("agrees with DuckDB's reading of the file: numeric sums, temporal min and max", async () => {
          if (c.expect === "success-or-terminal" && failed()) return;
          expect(facts.silver, "no silver written").toBeDefined();
          expect(await valueProblems(oracle, facts, path, c.file)).toEqual([]);
        });
      });
    }
  });
}
