import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import config from "../../etl.config.ts";
import { commitSource } from "../../core/commit/commitSource.ts";
import { orderingKey } from "../../core/commit/sequencer.ts";
import { stageSource } from "../../core/commit/stageSource.ts";
import { ObjectStore, type ObjectRef } from "../../core/io/objectStore.ts";
import { OutputTable } from "../../core/io/outputTable.ts";
import { sourceIdFor } from "../../core/job/jobId.ts";
import { publishGold } from "../../core/gold/publishGold.ts";
import { stagePartitions } from "../../core/gold/stagePartitions.ts";
import { compactLake, compactTargets } from "../../local/compact/compactLake.ts";
import { getServices } from "../../functions/services.ts";
import { LAKE, RAW, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

const DAY = "year=2024/month=05/day=07";
const MODELS = ["daily_sales_summary", "daily_sales_by_product", "product_performance"];
/** Past this many files clean compacts a partition by itself (the sample config, with a low threshold). */
const MAX_FILES = 4;

const dir = mkdtempSync(join(tmpdir(), "etl-compact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sales file of one order per id, on 2024-05-07 and 2024-05-08. */
function salesFile(name: string, ids: number[]): string {
  const lines = ["order_id,customer_name,product,quantity,unit_price,order_date"];
  for (const id of ids) lines.push(`${id},Ana,${id % 2 ? "Desk" : "Lamp"},${1 + (id % 5)},${(id % 7) + 1.25},2024-05-0${7 + (id % 2)}`);
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

/** What a reader sees: every silver row with every column, and every gold row of every model, read with a fresh DuckDB. */
async function snapshot(p: TestPipeline) {
  const silverKeys = await p.keys(LAKE, "silver/sales/");
  const silver = await p.query(LAKE, silverKeys, "SELECT * FROM read_parquet({files}, union_by_name = true) ORDER BY ALL");
  const gold: Record<string, unknown[]> = {};
  for (const model of MODELS) {
    const keys = await p.keys(LAKE, `gold/${model}/`);
    gold[model] = keys.length ? await p.query(LAKE, keys, "SELECT * FROM read_parquet({files}) ORDER BY ALL") : [];
  }
  return { silver, gold };
}

/** The published daily summary's orders per day. */
async function ordersPerDay(p: TestPipeline): Promise<Record<string, number>> {
  const perDay: [string, number][] = [];
  for (const key of await p.keys(LAKE, "gold/daily_sales_summary/")) {
    const [{ orders }] = await p.query<{ orders: bigint }>(LAKE, [key], "SELECT orders FROM read_parquet({files})");
    const [, y, m, d] = /year=(\d+)\/month=(\d+)\/day=(\d+)/.exec(key)!;
    perDay.push([`${y}-${m}-${d}`, Number(orders)]);
  }
  return Object.fromEntries(perDay.sort());
}

const orderIds = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.order_id)).sort((a, b) => a - b);
const silverFiles = async (p: TestPipeline, partition = DAY) => (await p.keys(LAKE, `silver/sales/${partition}/`)).map((k) => k.split("/").at(-1)!);

describe("silver compaction", () => {
  let p: TestPipeline;
  beforeAll(async () => {
    const datasets = config.datasets.map((d) => (d.name === "sales" ? { ...d, compaction: { maxFiles: MAX_FILES, targetMb: 128 } } : d));
    p = await startPipeline({ config: { ...config, datasets } });
  });
  afterAll(() => p.stop());
  afterEach(() => vi.restoreAllMocks());

  const upload = async (file: string, key: string) => {
    const outcome = await p.runtime.execute(await p.runtime.upload(file, key));
    expect(outcome.status).toBe("SUCCEEDED");
  };

  it("compacts a partition by itself past maxFiles, leaving every silver and gold row as it was", async () => {
    for (let i = 1; i <= MAX_FILES; i++) await upload(salesFile(`a${i}.csv`, [i * 10, i * 10 + 1]), `incoming/sales/a${i}.csv`);
    const before = await snapshot(p);
    expect(await silverFiles(p)).toHaveLength(MAX_FILES);

    await upload(salesFile("a5.csv", [50, 51]), "incoming/sales/a5.csv");

    expect(await silverFiles(p)).toEqual(["compacted-g1-0.parquet"]);
    // Clean compacted under its deployed policy (stacks/policies.ts), enforced locally: nothing was refused.
    expect(p.runtime.denials).toEqual([]);
    const after = await snapshot(p);
    expect(orderIds(after.silver)).toEqual([10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    // Every earlier row is there with all its columns (_source_key, _job_id, _processed_at, _row_hash included).
    expect(after.silver).toEqual(expect.arrayContaining(before.silver));
    expect(after.silver.filter((r) => r._source_key === "incoming/sales/a5.csv")).toHaveLength(2);
    expect(await ordersPerDay(p)).toEqual({ "2024-05-07": 5, "2024-05-08": 5 });
  });

  it("replaces one source's rows inside a compacted file when its key is uploaded again", async () => {
    await upload(salesFile("a2-new.csv", [22, 24, 26]), "incoming/sales/a2.csv");

    const after = await snapshot(p);
    expect(orderIds(after.silver)).toEqual([10, 11, 22, 24, 26, 30, 31, 40, 41, 50, 51]);
    expect(after.silver.filter((r) => r._source_key === "incoming/sales/a2.csv").map((r) => Number(r.order_id)).sort()).toEqual([22, 24, 26]);
    // The 7th gained a2's new orders, the 8th lost its odd one: their gold follows.
    expect(await ordersPerDay(p)).toEqual({ "2024-05-07": 7, "2024-05-08": 4 });
  });

  it("removes a source's rows from the compacted files when an empty version of it is committed (a retraction)", async () => {
    const services = getServices();
    const jobId = "job-retract-a3";
    const manifest = await stageSource({
      store: services.store,
      bucket: LAKE,
      jobId,
      dataset: "sales",
      schemaVersion: 1,
      sourceId: sourceIdFor({ bucket: RAW, key: "incoming/sales/a3.csv" }),
      silverDir: join(dir, "nothing"),
    });
    const outcome = await commitSource({
      store: services.store,
      outputs: services.outputs,
      bucket: LAKE,
      sequencer: orderingKey("F".repeat(40)),
      manifest,
      compaction: { ...compactionContext(), targetBytes: 128 * 1024 * 1024 },
    });

    expect(outcome.outcome).toBe("committed");
    expect(outcome.partitions.map((x) => x.partition).sort()).toEqual(["year=2024/month=05/day=07", "year=2024/month=05/day=08"]);
    expect(orderIds((await snapshot(p)).silver)).toEqual([10, 11, 22, 24, 26, 40, 41, 50, 51]);
    // As a retraction would next: gold follows the partitions the commit changed.
    const models = config.gold.filter((m) => m.dataset === "sales");
    const staged = await stagePartitions({ ...compactionContext(), lakeBucket: LAKE, jobId, dataset: "sales", models, partitions: outcome.partitions });
    await publishGold(services.store, services.outputs, staged, { bucket: LAKE, key: `jobs/${jobId}/load.json` });
    expect(await ordersPerDay(p)).toEqual({ "2024-05-07": 6, "2024-05-08": 3 });
  });

  it("etl compact's planner lists only partitions of more than one file, then compacts them into one", async () => {
    await upload(salesFile("b1.csv", [60, 62]), "incoming/sales/b1.csv");
    const before = await snapshot(p);
    const targets = await compactTargets(getServices(), { dataset: "sales" });
    // The 7th: its compacted file, a2's new version and b1; the 8th: one compacted file and b1 (an odd id there).
    expect(targets).toEqual([{ dataset: "sales", partition: DAY, files: 3 }]);

    expect(await compactLake(getServices(), targets)).toEqual([{ dataset: "sales", partition: DAY, files: 3, filesAfter: 1 }]);

    expect(await silverFiles(p)).toEqual([expect.stringMatching(/^compacted-g\d+-0\.parquet$/)]);
    expect(await snapshot(p)).toEqual(before);
    expect(await compactTargets(getServices(), { dataset: "sales" })).toEqual([]);
  });

  it.each([
    ["after claiming, before copying in", "copy"],
    ["after copying in, before deleting the inputs (both visible)", "delete"],
    ["after deleting the inputs, before marking done", "done"],
  ])("finishes a compaction killed %s when run again, leaving what a clean run leaves", async (_, at) => {
    const n = at === "copy" ? 70 : at === "delete" ? 80 : 90;
    await upload(salesFile(`k${n}.csv`, [n, n + 2]), `incoming/sales/k${n}.csv`);
    const before = await snapshot(p);
    killCompactionBefore(at);
    await expect(compactLake(getServices(), await compactTargets(getServices(), { dataset: "sales" }))).rejects.toThrow("killed");
    vi.restoreAllMocks();

    await compactLake(getServices(), await compactTargets(getServices(), { dataset: "sales" }));

    expect(await snapshot(p)).toEqual(before);
    expect(await silverFiles(p)).toHaveLength(1);
    expect((await silverFiles(p))[0]).toMatch(/^compacted-g\d+-0\.parquet$/);
    // Nothing of the compaction is left staged, and its record is done.
    expect((await p.keys(LAKE, "staging/")).filter((k) => k.includes("/silver/"))).toEqual([]);
    expect((await getServices().outputs.compaction("sales", DAY))?.state).toBe("done");
  });

  it("drops a source's old rows that a compaction merged while a newer upload of the key replaced them", async () => {
    await upload(salesFile("r0.csv", [98]), "incoming/sales/r0.csv");
    await upload(salesFile("r1.csv", [100, 102]), "incoming/sales/r1.csv");
    const replace = OutputTable.prototype.replaceCompaction;
    let raced = false;
    // The compaction has read and merged r1's file; before it claims its generation, r1 is replaced.
    vi.spyOn(OutputTable.prototype, "replaceCompaction").mockImplementation(async function (this: OutputTable, expected, next) {
      if (!raced && next.state === "publishing") {
        raced = true;
        await upload(salesFile("r1-new.csv", [104]), "incoming/sales/r1.csv");
      }
      return replace.call(this, expected, next);
    });

    await compactLake(getServices(), await compactTargets(getServices(), { dataset: "sales", partitions: [DAY] }));

    expect(raced).toBe(true);
    const after = await snapshot(p);
    const r1 = after.silver.filter((r) => r._source_key === "incoming/sales/r1.csv").map((r) => Number(r.order_id));
    expect(r1).toEqual([104]);
    expect(orderIds(after.silver).filter((id) => id >= 98)).toEqual([98, 104]);
    // The compacted file, and the newer version's own file (committed after the compaction listed the partition).
    expect((await silverFiles(p)).sort()).toEqual([expect.stringMatching(/^compacted-g\d+-0\.parquet$/), expect.stringMatching(/^r1-.*\.parquet$/)]);
    // Gold agrees with silver: recomputed after the last generation, not from inside a window.
    const silverPerDay = Object.fromEntries(
      (await p.query<{ day: string; n: bigint }>(LAKE, await p.keys(LAKE, "silver/sales/"), "SELECT CAST(order_date AS VARCHAR) AS day, count(*) AS n FROM read_parquet({files}, union_by_name = true) GROUP BY 1")).map((r) => [r.day, Number(r.n)]),
    );
    expect(await ordersPerDay(p)).toEqual(silverPerDay);
  });

  /** An aggregate of the day's gold partitions (daily and coarser) at its current version, published as load would. */
  const aggregateDay = async (jobId: string) => {
    const services = getServices();
    const version = (await services.outputs.partitionVersions("sales", [DAY])).get(DAY)!;
    const models = config.gold.filter((m) => m.dataset === "sales");
    const staged = await stagePartitions({ ...compactionContext(), lakeBucket: LAKE, jobId, dataset: "sales", models, partitions: [{ partition: DAY, version }] });
    await publishGold(services.store, services.outputs, staged, { bucket: LAKE, key: `jobs/${jobId}/load.json` });
    return staged;
  };

  it("never computes gold inside a compaction's window: an aggregate then leaves the partition to the compaction", async () => {
    await upload(salesFile("w1.csv", [110, 112]), "incoming/sales/w1.csv");
    const before = await snapshot(p);
    const del = ObjectStore.prototype.delete;
    let inside: { staged: Awaited<ReturnType<typeof aggregateDay>>; gold: Awaited<ReturnType<typeof snapshot>>["gold"]; files: string[] } | undefined;
    // Held between the copy-in and the deletes: the partition lists the new file and the old ones.
    vi.spyOn(ObjectStore.prototype, "delete").mockImplementation(async function (this: ObjectStore, bucket: string, keys: readonly string[]) {
      if (!inside && keys.some((k) => k.startsWith(`silver/sales/${DAY}/`))) {
        const files = await silverFiles(p);
        inside = { staged: await aggregateDay("job-in-window"), gold: (await snapshot(p)).gold, files };
      }
      return del.call(this, bucket, keys);
    });

    await compactLake(getServices(), await compactTargets(getServices(), { dataset: "sales", partitions: [DAY] }));

    expect(inside!.files.filter((f) => f.startsWith("compacted-")).length).toBeGreaterThan(0);
    expect(inside!.files.length).toBeGreaterThan(2);
    // Nothing staged for the day, its month or its year; the gold published meanwhile counts each row once.
    expect(inside!.staged.gold).toEqual([]);
    expect(inside!.gold).toEqual(before.gold);
    expect(await snapshot(p)).toEqual(before);
  });

  it.each([
    ["inside its window (both generations listed)", "delete", 120],
    ["after its deletes, before marking done (the day no longer crowded)", "done", 130],
  ])("leaves a partition whose compaction was killed %s to whoever finishes it, which recomputes it", async (_, at, n) => {
    await upload(salesFile(`w${n}.csv`, [n, n + 2]), `incoming/sales/w${n}.csv`);
    const before = await snapshot(p);
    const perDay = await ordersPerDay(p);
    killCompactionBefore(at);
    await expect(compactLake(getServices(), await compactTargets(getServices(), { dataset: "sales", partitions: [DAY] }))).rejects.toThrow("killed");
    vi.restoreAllMocks();
    expect((await getServices().outputs.compaction("sales", DAY))?.state).toBe("publishing");

    // An aggregate stages nothing of the day, its month or its year, and gold stays as it was.
    expect((await aggregateDay(`job-after-kill-${at}`)).gold).toEqual([]);
    expect((await snapshot(p)).gold).toEqual(before.gold);

    // The next clean of the day finishes the compaction (bumping the day) and its job recomputes the gold.
    await upload(salesFile(`w${n + 1}.csv`, [n + 4]), `incoming/sales/w${n + 1}.csv`);
    expect((await getServices().outputs.compaction("sales", DAY))?.state).toBe("done");
    expect(orderIds((await snapshot(p)).silver)).toEqual([...orderIds(before.silver), n + 4].sort((a, b) => a - b));
    expect(await ordersPerDay(p)).toEqual({ ...perDay, "2024-05-07": perDay["2024-05-07"] + 1 });
  });
});

/** Kills the next compaction before one of its steps: the copy-in, the deletes of its inputs, or marking it done. */
function killCompactionBefore(step: string) {
  const kill = () => {
    throw Object.assign(new Error("killed"), { name: "Killed" });
  };
  if (step === "copy") {
    const copy = ObjectStore.prototype.copy;
    vi.spyOn(ObjectStore.prototype, "copy").mockImplementation(function (this: ObjectStore, from: ObjectRef, to: ObjectRef, m?: Record<string, string>) {
      return to.key.includes("/compacted-") ? kill() : copy.call(this, from, to, m);
    });
  } else if (step === "delete") {
    const del = ObjectStore.prototype.delete;
    vi.spyOn(ObjectStore.prototype, "delete").mockImplementation(function (this: ObjectStore, bucket: string, keys: readonly string[]) {
      return keys.some((k) => k.startsWith("silver/")) ? kill() : del.call(this, bucket, keys);
    });
  } else {
    const replace = OutputTable.prototype.replaceCompaction;
    vi.spyOn(OutputTable.prototype, "replaceCompaction").mockImplementation(function (this: OutputTable, expected, next) {
      return next.state === "done" ? kill() : replace.call(this, expected, next);
    });
  }
}

function compactionContext() {
  const s = getServices();
  return { store: s.store, outputs: s.outputs, bucket: LAKE, rawBucket: RAW, scratchDir: s.settings.ETL_SCRATCH_DIR, engine: s.engine };
}
