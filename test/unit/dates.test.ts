/**
 * Dates without guesses: two-digit years by strptime's `%y` pivot, never a year below 100; one
 * layout for the whole column; an offset in a declared date converted to UTC first.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { cleanFile, type CleanResult } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";
import { useTestFiles } from "../helpers/testFiles.ts";

const kit = useTestFiles("dates-");

const dataset = (input: Record<string, unknown> = {}) =>
  v.parse(DatasetSchema, { name: "d", match: ["d/**"], maxQuarantinedRatio: 1, ...input });

async function clean(text: string, ds = dataset()): Promise<CleanResult> {
  const path = join(kit.root, "d.csv");
  writeFileSync(path, text);
  const engine = await Engine.open({ scratchDir: join(kit.root, "scratch"), threads: 1 });
  try {
    return await cleanFile(engine, { path, format: "csv", dataset: ds, ctx: silverContext("d.csv"), outDir: join(kit.root, "out") });
  } finally {
    engine.close();
  }
}

async function dates(r: CleanResult, column = "on"): Promise<string[]> {
  const result = await kit.reader.runAndReadAll(
    `SELECT CAST("${column}" AS VARCHAR) AS v FROM read_parquet($1, hive_partitioning = false) ORDER BY id`,
    [`${r.silverDir}/**/*.parquet`],
  );
  return result.getRowObjectsJS().map((x) => String(x.v));
}

describe("two-digit years", () => {
  it("reads 06/01/02 and 01/01/13 with the %y pivot, never as years 2 and 13", async () => {
    const r = await clean("id,on\n1,06/01/02\n2,01/01/13\n3,31/12/69\n4,15/03/99\n");

    expect(r.columns.find((c) => c.name === "on")).toMatchObject({ type: "DATE", format: "%d/%m/%y" });
    expect(await dates(r)).toEqual(["2002-01-06", "2013-01-01", "1969-12-31", "1999-03-15"]);
  });

  it("reads dashed two-digit years the same way", async () => {
    const r = await clean("id,on\n1,01-01-13\n2,28-02-68\n");

    expect(await dates(r)).toEqual(["2013-01-01", "2068-02-28"]);
  });

  it("quarantines a two-digit year in a column declared %Y instead of storing year 0002", async () => {
    const r = await clean("id,on\n1,06/01/2002\n2,06/01/02\n", dataset({ columns: { on: { type: "date", format: "%d/%m/%Y" } } }));

    expect(await dates(r)).toEqual(["2002-01-06"]);
    expect(r.stats.quarantinedRows).toBe(1);
  });
});

describe("day-first or month-first", () => {
  it("is decided for the whole column: one value past 12 makes every value month-first", async () => {
    const r = await clean("id,on\n1,01/02/2024\n2,03/04/2024\n3,12/25/2024\n");

    expect(r.columns.find((c) => c.name === "on")?.format).toBe("%m/%d/%Y");
    expect(await dates(r)).toEqual(["2024-01-02", "2024-03-04", "2024-12-25"]);
  });
});

describe("an offset in a declared date column", () => {
  it("is converted to UTC before the date is taken", async () => {
    const r = await clean(
      "id,on\n1,2024-01-01T23:30:00-05:00\n2,2024-01-01T01:00:00+02:00\n3,2024-01-01\n",
      dataset({ columns: { on: { type: "date" } } }),
    );

    expect(await dates(r)).toEqual(["2024-01-02", "2023-12-31", "2024-01-01"]);
  });
});
