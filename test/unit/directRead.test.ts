import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { Params } from "../../core/engine/sql.ts";
import { cleanFile } from "../../core/silver/cleanFile.ts";
import { readCsv } from "../../core/silver/readCsv.ts";
import { silverContext } from "../helpers/silverContext.ts";

/**
 * A plain CSV file is read by DuckDB directly, without the split pass (core/silver/readCsv.ts);
 * that read must stand only when every line after the header is one record. Each odd line here
 * sits far past the 1 MB the layout is decided from, where only the read itself can see it, and
 * must come out exactly as the split reports it: skipped and counted, set aside with its line
 * number, or one record across lines.
 */
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** 30,000 good lines (about 1.2 MB), then `odd`, then one more good line. */
function file(odd: string, newline = "\n"): string {
  const lines = ["id,name,amount", ...Array.from({ length: 30_000 }, (_, i) => `${i + 1},"name ${i + 1}, the ${i % 7}th",${i % 100}.5`)];
  const path = join(dir, "big.csv");
  writeFileSync(path, [...lines, odd, `99999,"last",1.5`].join(newline) + newline);
  return path;
}

async function clean(path: string) {
  const engine = await Engine.open({ scratchDir: join(dir, "scratch") });
  try {
    const result = await cleanFile(engine, {
      path,
      format: "csv",
      dataset: v.parse(DatasetSchema, { name: "d", match: ["*"], maxQuarantinedRatio: 1 }),
      outDir: join(dir, "out"),
      ctx: silverContext("big.csv"),
    });
    const last = await engine.rows<{ id: bigint; name: string }>(
      `SELECT id, name FROM read_parquet('${result.silverDir}/**/*.parquet') WHERE id >= 29999 ORDER BY id`,
    );
    return { result, last };
  } finally {
    engine.close();
  }
}

describe("reading a plain CSV file directly", () => {
  it("reads a plain file without splitting it, every record numbered in file order", async () => {
    dir = mkdtempSync(join(tmpdir(), "etl-direct-"));
    const path = file(`30001,"plain",2.5`);
    const engine = await Engine.open({ scratchDir: join(dir, "scratch") });
    try {
      const csv = await readCsv(engine, { path, fileName: "big.csv", workDir: join(dir, "work") }, new Params());
      // Its names hold ", " inside quotes only: no value is padded, so the source is stored untrimmed.
      expect(csv.direct).toEqual({ records: 30_002, padded: false });
    } finally {
      engine.close();
    }
    const { result, last } = await clean(path);
    expect(result.stats).toMatchObject({ inputRows: 30_002, silverRows: 30_002, quarantinedRows: 0 });
    expect(last.map((r) => Number(r.id))).toEqual([29_999, 30_000, 30_001, 99_999]);
  });

  it.each([
    ["spaces", `30001,  padded  ,2.5`],
    ["no-break spaces", `30001,\u00a0padded\u00a0,2.5`],
    ["spaces inside quotes", `30001," padded ",2.5`],
  ])("trims a value padded with %s past the sample, and only that value", async (_, odd) => {
    dir = mkdtempSync(join(tmpdir(), "etl-direct-"));
    const { result, last } = await clean(file(odd));
    expect(result.stats).toMatchObject({ inputRows: 30_002, silverRows: 30_002 });
    expect(last.map((r) => r.name)).toEqual(["name 29999, the 3th", "name 30000, the 4th", "padded", "last"]);
  });

  it("counts a blank line past the sample as skipped, as the split does", async () => {
    dir = mkdtempSync(join(tmpdir(), "etl-direct-"));
    const { result, last } = await clean(file(""));
    expect(result.skippedLines).toBe(1);
    expect(result.firstSkipped).toEqual([{ line: 30_002, text: "" }]);
    expect(result.stats).toMatchObject({ inputRows: 30_001, silverRows: 30_001 });
    expect(last.map((r) => Number(r.id))).toEqual([29_999, 30_000, 99_999]);
  });

  it("keeps a quoted line break past the sample inside its value", async () => {
    dir = mkdtempSync(join(tmpdir(), "etl-direct-"));
    const { result, last } = await clean(file(`30001,"two\nlines",2.5`));
    expect(result.stats).toMatchObject({ inputRows: 30_002, silverRows: 30_002 });
    expect(last.find((r) => Number(r.id) === 30_001)?.name).toBe("two\nlines");
  });

  it.each([
    ["a field too few", `30001,"short"`, "line 30002: 2 fields where the header has 3"],
    ["a field too many", `30001,"long",1,2`, "line 30002: 4 fields where the header has 3"],
    ["a quote not closed", `30001,"open,2.5`, "line 30002: a quote is not closed, or text follows a closing quote"],
  ])("quarantines %s past the sample with its line, the others all read", async (_, odd, reason) => {
    dir = mkdtempSync(join(tmpdir(), "etl-direct-"));
    const { result, last } = await clean(file(odd));
    expect(result.stats).toMatchObject({ inputRows: 30_002, silverRows: 30_001, quarantinedRows: 1 });
    const engine = await Engine.open({ scratchDir: join(dir, "scratch2") });
    try {
      const [row] = await engine.rows<{ _rule: string; _reason: string; _row_number: bigint }>(
        `SELECT _rule, _reason, _row_number FROM read_parquet('${result.quarantineFile}')`,
      );
      expect(row).toEqual({ _rule: "malformed_row", _reason: reason, _row_number: 30_001n });
    } finally {
      engine.close();
    }
    expect(last.at(-1)?.name).toBe("last");
  });

  it("reads a CRLF file, and one whose lines end in CRLF and LF both", async () => {
    dir = mkdtempSync(join(tmpdir(), "etl-direct-"));
    const crlf = await clean(file(`30001,"plain",2.5`, "\r\n"));
    expect(crlf.result.stats).toMatchObject({ inputRows: 30_002, silverRows: 30_002 });
    expect(crlf.last.at(-1)?.name).toBe("last");
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), "etl-direct-"));
    const mixed = await clean(file(`30001,"lf only",2.5\n30002,"x",1.5`, "\r\n"));
    expect(mixed.result.stats).toMatchObject({ inputRows: 30_003, silverRows: 30_003 });
    expect(mixed.last.map((r) => r.name)).toEqual(["name 29999, the 3th", "name 30000, the 4th", "lf only", "x", "last"]);
  });
});
