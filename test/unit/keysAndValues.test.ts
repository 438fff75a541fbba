/**
 * Every key keeps its values, in every format: keys differing only in case, columns named like the
 * pipeline's own (`rowid`), non-finite numbers. Expected values come from the fixtures themselves.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import type { DataFormat } from "../../core/format/sniffFormat.ts";
import { cleanFile, type CleanResult } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";
import { useTestFiles } from "../helpers/testFiles.ts";

const kit = useTestFiles("keys-");

const dataset = (input: Record<string, unknown> = {}) => v.parse(DatasetSchema, { name: "things", match: ["things/**"], ...input });

async function clean(name: string, format: DataFormat, content: string | undefined, ds = dataset()): Promise<CleanResult> {
  const path = join(kit.root, name);
  if (content !== undefined) writeFileSync(path, content);
  const engine = await Engine.open({ scratchDir: join(kit.root, "scratch"), threads: 1 });
  try {
    return await cleanFile(engine, { path, format, dataset: ds, ctx: silverContext(name), outDir: join(kit.root, `out-${name}`) });
  } finally {
    engine.close();
  }
}

async function rows(r: CleanResult, orderBy: string): Promise<Record<string, unknown>[]> {
  const result = await kit.reader.runAndReadAll(`SELECT * FROM read_parquet($1, hive_partitioning = false) ORDER BY ${orderBy}`, [
    `${r.silverDir}/**/*.parquet`,
  ]);
  return result.getRowObjectsJS() as Record<string, unknown>[];
}

async function quarantined(r: CleanResult): Promise<Record<string, unknown>[]> {
  if (!r.quarantineFile) return [];
  return (await kit.reader.runAndReadAll(`SELECT * FROM read_parquet($1) ORDER BY _row_number`, [r.quarantineFile])).getRowObjectsJS() as Record<
    string,
    unknown
  >[];
}

describe("keys differing only in case", () => {
  const records = [
    { id: 1, Name: "a", name: "b", NAME: "c" },
    { id: 2, Name: "d", name: "e", NAME: "f" },
  ];

  it.each([
    ["NDJSON", "ndjson" as const, records.map((r) => JSON.stringify(r)).join("\n") + "\n"],
    ["a JSON array", "json" as const, JSON.stringify(records)],
    ["CSV", "csv" as const, "id,Name,name,NAME\n1,a,b,c\n2,d,e,f\n"],
  ])("all keep their values in %s, named name, name_2, name_3", async (_, format, text) => {
    const r = await clean(`case.${format}`, format, text);

    expect(r.columns.map((c) => [c.original, c.name])).toEqual([
      ["id", "id"],
      ["Name", "name"],
      ["name", "name_2"],
      ["NAME", "name_3"],
    ]);
    const got = await rows(r, "id");
    expect(got.map((x) => [x.name, x.name_2, x.name_3])).toEqual(records.map((x) => [x.Name, x.name, x.NAME]));
    expect(r.stats).toMatchObject({ inputRows: 2, silverRows: 2, quarantinedRows: 0 });
  });
});

describe("non-Latin headers", () => {
  it.each([
    ["csv", "Имя,Город,価格\nАнна,Москва,120\nБорис,Казань,95\n"],
    ["ndjson", '{"Имя":"Анна","Город":"Москва","価格":120}\n{"Имя":"Борис","Город":"Казань","価格":95}\n'],
  ] as const)("keep readable names in %s, the originals in the mapping, and their values", async (format, text) => {
    const r = await clean(`cities.${format}`, format, text);

    expect(r.columns.map((c) => [c.original, c.name])).toEqual([
      ["Имя", "imya"],
      ["Город", "gorod"],
      ["価格", "si_ge"],
    ]);
    expect((await rows(r, "imya")).map((x) => [x.imya, x.gorod, Number(x.si_ge)])).toEqual([
      ["Анна", "Москва", 120],
      ["Борис", "Казань", 95],
    ]);
  });
});

describe("a column named rowid", () => {
  it.each([
    ["csv", "rowid,k,v\n9,1,first\n1,1,second\n5,2,third\n"],
    ["ndjson", '{"rowid":9,"k":1,"v":"first"}\n{"rowid":1,"k":1,"v":"second"}\n{"rowid":5,"k":2,"v":"third"}\n'],
    ["json", '[{"rowid":9,"k":1,"v":"first"},{"rowid":1,"k":1,"v":"second"},{"rowid":5,"k":2,"v":"third"}]'],
  ] as const)("is renamed rowid_2 in %s, keeps its values and leaves the first occurrence the one kept", async (format, text) => {
    const r = await clean(`rowid.${format}`, format, text, dataset({ dedupKeys: ["k"] }));

    expect(r.columns.map((c) => c.name)).toEqual(["rowid_2", "k", "v"]);
    expect((await rows(r, "k")).map((x) => [Number(x.rowid_2), x.v])).toEqual([
      [9, "first"],
      [5, "third"],
    ]);
    expect(r.stats.duplicateRows).toBe(1);
  });

  it("is renamed rowid_2 in Parquet, and the first occurrence in the file is the one kept", async () => {
    const path = join(kit.root, "rowid.parquet");
    await kit.reader.run(
      `COPY (SELECT * FROM (VALUES (9, 1, 'first'), (1, 1, 'second'), (5, 2, 'third')) t("rowid", k, v)) TO '${path}' (FORMAT parquet)`,
    );

    const r = await clean("rowid.parquet", "parquet", undefined, dataset({ dedupKeys: ["k"] }));

    expect((await rows(r, "k")).map((x) => [Number(x.rowid_2), x.v])).toEqual([
      [9, "first"],
      [5, "third"],
    ]);
  });
});

describe("non-finite numbers", () => {
  const text = "id,reading\n1,1.5\n2,NaN\n3,Infinity\n4,-inf\n5,2.5\n6,3.5\n7,4.5\n";

  it("quarantines NaN and Infinity in a double column by default", async () => {
    const r = await clean("nan.csv", "csv", text, dataset({ columns: { reading: { type: "double" } } }));

    expect((await rows(r, "id")).map((x) => x.reading)).toEqual([1.5, 2.5, 3.5, 4.5]);
    expect((await quarantined(r)).map((q) => [q._row_number, q._rule])).toEqual([
      [2n, "non_finite"],
      [3n, "non_finite"],
      [4n, "non_finite"],
    ]);
  });

  it("keeps them when the column allows them", async () => {
    const r = await clean("nan-ok.csv", "csv", text, dataset({ columns: { reading: { type: "double", allowNonFinite: true } } }));

    expect(r.stats).toMatchObject({ silverRows: 7, quarantinedRows: 0 });
  });

  it("quarantines NaN in a Parquet double column", async () => {
    const path = join(kit.root, "nan.parquet");
    await kit.reader.run(`COPY (SELECT * FROM (VALUES (1, 1.5::DOUBLE), (2, 'nan'::DOUBLE), (3, 2.0::DOUBLE)) t(id, x)) TO '${path}' (FORMAT parquet)`);

    const r = await clean("nan.parquet", "parquet", undefined);

    expect(r.stats).toMatchObject({ silverRows: 2, quarantinedRows: 1 });
  });
});
