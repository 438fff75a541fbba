/**
 * The rest of vega-datasets' data folder through the real local pipeline: Parquet, Arrow IPC and
 * images. Checks: see `vega.ts`.
 *
 * - `flights-3m.parquet` (13 MB, 3 million rows) runs whole. It is larger than the S3 emulator
 *   takes in one PUT (11 MiB), so it is uploaded in parts rather than with `runtime.upload`, and
 *   it gets four minutes instead of one (one pass of clean takes about 10 s here; a failing
 *   step is retried by the state machine).
 * - `flights-3m-sample.parquet`, the file's first 200,000 rows written by DuckDB at test time,
 *   checks the Parquet path with the same schema at a size every run can afford.
 * - `flights-200k.arrow` and the `.png` icons are formats the pipeline does not read: each must
 *   fail with UnsupportedFormatError naming the file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Oracle, sqlPaths, VEGA_DIR } from "./support.ts";
import { describeVegaCases, groupOf, vegaCases, VEGA_FILES, type VegaCase } from "./vega.ts";

const sampleDir = mkdtempSync(join(tmpdir(), "etl-vega-sample-"));
const sample = join(sampleDir, "flights-3m-sample.parquet");
{
  const oracle = await Oracle.open();
  await oracle.rows(
    `COPY (SELECT * FROM read_parquet(${sqlPaths(join(VEGA_DIR, "flights-3m.parquet"))}) LIMIT 200000) TO ${sqlPaths(sample)} (FORMAT parquet)`,
  );
  oracle.close();
}
afterAll(() => rmSync(sampleDir, { recursive: true, force: true }));

const cases: VegaCase[] = [
  { file: "flights-3m.parquet", expect: "success", derived: { path: sample, name: "flights-3m-sample.parquet" } },
  ...vegaCases("other"),
];

describe("vega-datasets coverage", () => {
  it("runs every file of the data folder in exactly one test file, skipping none", () => {
    const run = [...vegaCases("csv"), ...vegaCases("json"), ...vegaCases("other")].map((c) => c.file).sort();
    expect(run).toEqual(VEGA_FILES);
    expect(VEGA_FILES.filter((f) => groupOf(f) === "other")).toEqual(
      expect.arrayContaining(["flights-3m.parquet", "flights-200k.arrow", "7zip.png"]),
    );
    expect(VEGA_FILES.length).toBeGreaterThan(60);
  });
});

describeVegaCases("vega-datasets Parquet, Arrow and images through the local pipeline", cases);
