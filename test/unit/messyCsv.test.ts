/**
 * Real-looking CSV files polluted one way at a time. The expected rows come from the generator,
 * never from the pipeline: every row the pollution did not touch must reach silver intact and
 * correctly split, and the touched one is quarantined (or kept, when nothing is lost reading it).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { MalformedFileError, QualityGateError } from "../../core/errors.ts";
import { cleanFile, type CleanResult } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";
import { useTestFiles } from "../helpers/testFiles.ts";

type Gen = { id: number; day: string; qty: number; city: string; note: string };

/** A file of orders as a spreadsheet would export it: a quoted city with a comma, a free-text note. */
function generate(n = 60): Gen[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    day: `2024-03-${String((i % 28) + 1).padStart(2, "0")}`,
    qty: (i * 7) % 13,
    city: i % 5 === 0 ? "Paris, France" : `City ${i}`,
    note: i % 3 === 0 ? `said "hi" ${i}` : `note ${i}`,
  }));
}

const HEADER = "id,sold_on,qty,city,note";
const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const line = (r: Gen) => [r.id, r.day, r.qty, quote(r.city), quote(r.note)].join(",");

const kit = useTestFiles("messy-");

const dataset = (input: Record<string, unknown> = {}) => v.parse(DatasetSchema, { name: "orders", match: ["orders/**"], ...input });

async function clean(text: string | Buffer, ds = dataset()): Promise<CleanResult> {
  const path = join(kit.root, "orders.csv");
  writeFileSync(path, text);
  const engine = await Engine.open({ scratchDir: join(kit.root, "scratch"), threads: 1 });
  try {
    return await cleanFile(engine, { path, format: "csv", dataset: ds, ctx: silverContext("orders.csv"), outDir: join(kit.root, "out") });
  } finally {
    engine.close();
  }
}

async function silver(r: CleanResult): Promise<Gen[]> {
  const result = await kit.reader.runAndReadAll(
    `SELECT id, CAST(sold_on AS VARCHAR) AS day, qty, city, note FROM read_parquet($1, hive_partitioning = false) ORDER BY id`,
    [`${r.silverDir}/**/*.parquet`],
  );
  return (result.getRowObjectsJS() as Record<string, unknown>[]).map((x) => ({
    id: Number(x.id),
    day: String(x.day),
    qty: Number(x.qty),
    city: String(x.city),
    note: String(x.note),
  }));
}

async function quarantine(r: CleanResult): Promise<Record<string, unknown>[]> {
  if (!r.quarantineFile) return [];
  const result = await kit.reader.runAndReadAll(`SELECT * FROM read_parquet($1) ORDER BY _row_number`, [r.quarantineFile]);
  return result.getRowObjectsJS() as Record<string, unknown>[];
}

/** The generator's rows without the polluted one. */
const except = (rows: Gen[], id: number) => rows.filter((r) => r.id !== id);

describe("a CSV polluted one way at a time", () => {
  const rows = generate();
  const lines = () => [HEADER, ...rows.map(line)];
  const text = (ls: string[], nl = "\n") => ls.join(nl) + nl;

  it.each([
    ["a missing delimiter", (r: Gen) => line(r).replace(",", "")],
    ["a stray quote opening a field", (r: Gen) => `${r.id},${r.day},${r.qty},"${r.city.replace(",", "")},oops`],
    ["a row separated by spaces", (r: Gen) => [r.id, r.day, r.qty, r.city, r.note].join(" ")],
  ])("quarantines %s as malformed_row with its line and raw text, and reads every other row", async (_, pollute) => {
    const ls = lines();
    const bad = pollute(rows[19]);
    ls[20] = bad;

    const r = await clean(text(ls));

    expect(r.dialect).toMatchObject({ delimiter: ",", quote: '"' });
    expect(await silver(r)).toEqual(except(rows, 20));
    const q = await quarantine(r);
    expect(q.map((x) => [x._row_number, x._rule, x._value])).toEqual([[20n, "malformed_row", bad]]);
    expect(String(q[0]._reason)).toMatch(/^line 21: /);
    expect(r.stats).toMatchObject({ inputRows: 60, silverRows: 59, quarantinedRows: 1 });
  });

  it("keeps a row with a trailing delimiter whole", async () => {
    const ls = lines();
    ls[10] += ",";

    const r = await clean(text(ls));

    expect(await silver(r)).toEqual(rows);
    expect(r.stats.quarantinedRows).toBe(0);
  });

  it("skips a preamble of titles, notes, comments and blank lines, counted and not read as rows", async () => {
    const preamble = ["Orders export", "Generated 2024-04-01 by the shop", "", "# do not edit"];

    const r = await clean(text([...preamble, ...lines()]));

    expect(await silver(r)).toEqual(rows);
    expect(r.stats.inputRows).toBe(60);
    expect(r.skippedLines).toBe(4);
    expect(r.firstSkipped?.map((s) => s.text)).toEqual(preamble);
    expect(r.columns.map((c) => c.name)).toEqual(["id", "sold_on", "qty", "city", "note"]);
  });

  it("joins a two-row header into one name per column, declared or detected", async () => {
    const two = ["Order,,Amount,Where,", "id,sold_on,qty,city,note"];
    for (const ds of [dataset({ csv: { headerRows: 2 } }), dataset()]) {
      const r = await clean(text([...two, ...rows.map(line)]), ds);
      expect(r.columns.map((c) => c.name)).toEqual(["order_id", "order_sold_on", "amount_qty", "where_city", "where_note"]);
      expect(r.stats.inputRows).toBe(60);
    }
  });

  it("reads a file with CR-only line ends", async () => {
    const r = await clean(text(lines(), "\r"));

    expect(await silver(r)).toEqual(rows);
  });

  it("honours declared skipLines and comment lines anywhere", async () => {
    const ls = lines();
    ls.splice(30, 0, "; checked by Ann");
    const r = await clean(text(["garbage line one", ...ls]), dataset({ csv: { skipLines: 1, comment: ";" } }));

    expect(await silver(r)).toEqual(rows);
    expect(r.skippedLines).toBe(2);
  });

  it("reads a CRLF file whose quoted header cells hold bare line feeds", async () => {
    const header = '"id","day\nof order","qty","city","note"';
    const r = await clean(text([header, ...rows.map(line)], "\r\n"));

    expect(r.columns.map((c) => c.original)).toEqual(["id", "day\nof order", "qty", "city", "note"]);
    const read = await kit.reader.runAndReadAll(`SELECT count(*) AS n FROM read_parquet($1)`, [`${r.silverDir}/**/*.parquet`]);
    expect(Number(read.getRowObjectsJS()[0].n)).toBe(60);
  });

  it("never stores a file as one unsplit column when its lines hold a delimiter", async () => {
    // Every line holds commas, but no dialect gives a consistent field count.
    const ragged = Array.from({ length: 40 }, (_, i) => Array.from({ length: (i % 4) + 2 }, (_, j) => `v${j}`).join(","));

    const error = await clean(text(ragged)).catch((e) => e);

    expect(error).toBeInstanceOf(Error);
    if (!(error instanceof QualityGateError)) expect(error).toBeInstanceOf(MalformedFileError);
  });
});

describe("quality gates", () => {
  const contract = dataset({ columns: { order_id: { type: "integer" } } });
  const orders = (n: number) => ["order_id,qty", ...Array.from({ length: n }, (_, i) => `ORD-${i + 1},${i}`)].join("\n") + "\n";

  it("fails a fully quarantined file with QualityGateError naming the reason, a count and a sample row, and writes nothing", async () => {
    const error = await clean(orders(500), contract).catch((e) => e);

    expect(error).toBeInstanceOf(QualityGateError);
    expect(error.message).toContain("500 of 500 rows (100.0%) were quarantined");
    expect(error.message).toContain("type on order_id: 500 rows (first at row 1: order_id: ORD-1 is not a valid integer");
    expect(error.message).toContain('"order_id":"ORD-1"');
  });

  it("fails a fully quarantined file even when the dataset's gate would allow it", async () => {
    await expect(clean(orders(3), { ...contract, maxQuarantinedRatio: 1 })).rejects.toBeInstanceOf(QualityGateError);
  });

  it("passes a file under the gate and fails the same file under a stricter one", async () => {
    const text = ["order_id,qty", "1,1", "2,2", "ORD-3,3", "4,4"].join("\n") + "\n";

    const r = await clean(text, contract);
    expect(r.stats).toMatchObject({ inputRows: 4, silverRows: 3, quarantinedRows: 1 });

    await expect(clean(text, { ...contract, maxQuarantinedRatio: 0.2 })).rejects.toThrow(/1 of 4 rows \(25\.0%\)/);
  });

  it("fails a file bringing fewer rows than minRows", async () => {
    await expect(clean("order_id,qty\n1,1\n", { ...contract, minRows: 2 })).rejects.toThrow(/1 rows would reach silver, fewer than minRows 2/);
  });
});

describe("hostile CSV", () => {
  it("fails a 5 MB line without a line end as MalformedFileError instead of buffering it", async () => {
    const text = `a,b\n1,${"x".repeat(5 * 1024 * 1024)}`;

    await expect(clean(text)).rejects.toBeInstanceOf(MalformedFileError);
  });

  it("sets aside a quote left open on line 3 without swallowing the 5,000 lines after it", async () => {
    const lines = ["id,text", '1,"ok, fine"', '2,"never closed', ...Array.from({ length: 5000 }, (_, i) => `${i + 3},"line, ${i + 3}"`)];

    const r = await clean(lines.join("\n") + "\n");

    expect(r.stats).toMatchObject({ inputRows: 5002, silverRows: 5001, quarantinedRows: 1 });
  });
});
