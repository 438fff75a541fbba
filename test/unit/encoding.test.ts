import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { isUtf8File, scanUtf8 } from "../../core/format/encoding.ts";
import { cleanFile, type CleanResult } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";
import { useTestFiles } from "../helpers/testFiles.ts";

const kit = useTestFiles("encoding-");

const dataset = (input: Record<string, unknown> = {}) => v.parse(DatasetSchema, { name: "shops", match: ["shops/**"], ...input });

async function clean(bytes: Buffer, ds = dataset(), format: "csv" | "ndjson" | "json" = "csv"): Promise<CleanResult> {
  const name = `shops.${format}`;
  const path = join(kit.root, name);
  writeFileSync(path, bytes);
  const engine = await Engine.open({ scratchDir: join(kit.root, "scratch"), threads: 1 });
  try {
    return await cleanFile(engine, { path, format, dataset: ds, ctx: silverContext(name), outDir: join(kit.root, `out-${format}-${ds.invalidBytes}`) });
  } finally {
    engine.close();
  }
}

async function rows(sql: string, params: string[]): Promise<Record<string, unknown>[]> {
  return (await kit.reader.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[];
}

/** 40 shops in UTF-8 with accents, two of them holding a byte that is not UTF-8 (a stray Latin-1 é). */
function shops(): { bytes: Buffer; names: string[] } {
  const names = Array.from({ length: 40 }, (_, i) => `café ${i} Straße`);
  const lines = names.map((n, i) => Buffer.concat([Buffer.from(`${i + 1},`), i === 7 || i === 30 ? Buffer.from([0x43, 0x61, 0x66, 0xe9]) : Buffer.from(n), Buffer.from("\n")]));
  return { bytes: Buffer.concat([Buffer.from("id,name\n"), ...lines]), names };
}

/** The same 40 shops as NDJSON records, or as one JSON array: two hold the stray byte. */
function shopsJson(shape: "ndjson" | "json"): Buffer {
  const records = Array.from({ length: 40 }, (_, i) =>
    Buffer.concat([Buffer.from(`{"id": ${i + 1}, "name": "`), i === 7 || i === 30 ? Buffer.from([0x43, 0x61, 0x66, 0xe9]) : Buffer.from(`café ${i} Straße`), Buffer.from('"}')]),
  );
  if (shape === "ndjson") return Buffer.concat(records.flatMap((r) => [r, Buffer.from("\n")]));
  return Buffer.concat([Buffer.from("["), ...records.flatMap((r, i) => (i ? [Buffer.from(",\n"), r] : [r])), Buffer.from("]")]);
}

describe("encodings decided per file", () => {
  for (const shape of ["ndjson", "json"] as const) {
    it(`quarantines the ${shape} records holding invalid UTF-8 bytes, with the reason, and keeps the others intact`, async () => {
      const r = await clean(shopsJson(shape), dataset(), shape);

      expect(r.encoding).toBe("utf-8");
      expect(r.invalidSequences).toBe(2);
      expect(r.stats).toMatchObject({ inputRows: 40, silverRows: 38, quarantinedRows: 2 });
      const silver = await rows(`SELECT id, name FROM read_parquet($1, hive_partitioning = false) ORDER BY id`, [`${r.silverDir}/**/*.parquet`]);
      expect(silver.map((x) => x.name)).toEqual(shops().names.filter((_, i) => i !== 7 && i !== 30));
      const q = await rows(`SELECT _row_number, _rule, _reason, _record FROM read_parquet($1) ORDER BY 1`, [r.quarantineFile!]);
      expect(q.map((x) => [Number(x._row_number), x._rule, x._reason])).toEqual([
        [8, "malformed_row", "record 8: invalid UTF-8 bytes (shown as U+FFFD)"],
        [31, "malformed_row", "record 31: invalid UTF-8 bytes (shown as U+FFFD)"],
      ]);
      expect(JSON.parse(String(q[0]._record)).raw).toContain("Caf\uFFFD");
    });

    it(`keeps the ${shape} records with the bytes replaced, and counts them, under invalidBytes: "replace"`, async () => {
      const r = await clean(shopsJson(shape), dataset({ invalidBytes: "replace" }), shape);

      expect(r.invalidSequences).toBe(2);
      expect(r.stats).toMatchObject({ inputRows: 40, silverRows: 40, quarantinedRows: 0 });
      const [row] = await rows(`SELECT name FROM read_parquet($1, hive_partitioning = false) WHERE id = 8`, [`${r.silverDir}/**/*.parquet`]);
      expect(row.name).toBe("Caf\uFFFD");
    });
  }

  it("keeps a UTF-8 file with a few invalid bytes as UTF-8 and quarantines the rows holding them", async () => {
    const { bytes, names } = shops();

    const r = await clean(bytes);

    expect(r.encoding).toBe("utf-8");
    expect(r.invalidSequences).toBe(2);
    const silver = await rows(`SELECT id, name FROM read_parquet($1, hive_partitioning = false) ORDER BY id`, [`${r.silverDir}/**/*.parquet`]);
    expect(silver.map((x) => x.name)).toEqual(names.filter((_, i) => i !== 7 && i !== 30));
    const q = await rows(`SELECT _row_number, _rule, _reason FROM read_parquet($1) ORDER BY 1`, [r.quarantineFile!]);
    expect(q.map((x) => [Number(x._row_number), x._rule])).toEqual([[8, "malformed_row"], [31, "malformed_row"]]);
    expect(String(q[0]._reason)).toContain("invalid UTF-8");
    expect(r.stats).toMatchObject({ inputRows: 40, silverRows: 38, quarantinedRows: 2 });
  });

  it("replaces the invalid bytes and keeps their rows when the dataset says so", async () => {
    const r = await clean(shops().bytes, dataset({ invalidBytes: "replace" }));

    expect(r.stats).toMatchObject({ inputRows: 40, silverRows: 40, quarantinedRows: 0 });
    const [row] = await rows(`SELECT name FROM read_parquet($1, hive_partitioning = false) WHERE id = 8`, [`${r.silverDir}/**/*.parquet`]);
    expect(row.name).toBe("Caf\uFFFD");
  });

  it("still reads a Windows-1252 file as Windows-1252", async () => {
    const r = await clean(Buffer.from("id,name\n1,café Straße\n2,Zoë\n", "latin1"));

    expect(r.encoding).toBe("windows-1252");
    const silver = await rows(`SELECT name FROM read_parquet($1, hive_partitioning = false) ORDER BY id`, [`${r.silverDir}/**/*.parquet`]);
    expect(silver.map((x) => x.name)).toEqual(["café Straße", "Zoë"]);
  });

  it("counts valid multi-byte sequences and invalid bytes", async () => {
    const path = join(kit.root, "scan.txt");
    writeFileSync(path, Buffer.concat([Buffer.from("é€😀"), Buffer.from([0xe9, 0x41, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80])]));
    // é, € and 😀 are valid; a lone é byte, a stray continuation, an overlong C0 AF and a surrogate are not.
    expect(await scanUtf8(path)).toMatchObject({ valid: 3 });
    expect((await scanUtf8(path)).invalid).toBeGreaterThanOrEqual(4);
  });

  it("checks a file as UTF-8 across read chunks: a character cut by a chunk's end is valid, a cut-off one at the end is not", async () => {
    const path = join(kit.root, "chunks.txt");
    // The reader's chunks are 1 MiB: 😀 (4 bytes) starts 2 bytes before the first chunk ends.
    const pad = Buffer.alloc((1 << 20) - 2, 0x61);
    writeFileSync(path, Buffer.concat([pad, Buffer.from("😀é\n")]));
    expect(await isUtf8File(path)).toBe(true);
    writeFileSync(path, Buffer.concat([pad, Buffer.from("😀").subarray(0, 3)]));
    expect(await isUtf8File(path)).toBe(false);
    writeFileSync(path, Buffer.concat([pad, Buffer.from([0xf0, 0x41, 0x41, 0x41])]));
    expect(await isUtf8File(path)).toBe(false);
  });
});
