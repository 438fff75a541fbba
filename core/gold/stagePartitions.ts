import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { GoldModel } from "../config/goldModel.ts";
import { Engine, type EngineOptions } from "../engine/engine.ts";
import type { ObjectStore } from "../io/objectStore.ts";
import type { CompactionRecord, OutputTable } from "../io/outputTable.ts";
import { withScratch } from "../io/scratch.ts";
import { lake } from "../lake/layout.ts";
import type { AggregateManifest, PartitionVersion } from "../pointers.ts";
import { VERSION_METADATA } from "../commit/publishLatest.ts";
import { inParallel } from "../inParallel.ts";
import { listPartitions } from "../io/listPartitions.ts";
import { buildGold, buildGoldPartitions } from "./buildGold.ts";
import { daysUnder, goldWork } from "./goldPartitions.ts";

/** Where and how gold partitions are computed. */
export type StageInput = {
  store: ObjectStore;
  outputs: OutputTable;
  lakeBucket: string;
  scratchDir: string;
  engine: (scratchDir: string) => EngineOptions;
  jobId: string;
  dataset: string;
  models: readonly GoldModel[];
  /** The partitions the job's commit changed, with the silver version each change got. */
  partitions: readonly PartitionVersion[];
};

/**
 * Recomputes every model for each gold partition its grain (day, month, year) gives the day
 * partitions the job changed, from all the silver files under it (every source, not only this
 * job's), and stages each result with the silver version it was built from: the counter of that
 * day, month or year, which every commit to a day under it increases. A day whose silver has a
 * newer version than this job's change is skipped: the job that made that change recomputes
 * everything it falls into after it, so N jobs on one partition never do N² work. One engine,
 * and per model one query and one partitioned write, serve every partition (90 engine opens and
 * queries for a quarter of days took 2.4 s at 1M rows); the silver of all of them is on disk at
 * once, downloaded and the results uploaded a few at a time. A partition left without silver rows
 * (a re-upload moved them) is listed with no staged object: its gold goes too. A partition inside
 * a compaction's window is not computed at all (downloadPartitions): the compaction's recompute is.
 */
export async function stagePartitions(input: StageInput): Promise<AggregateManifest & { skipped: number }> {
  const manifest: AggregateManifest = { jobId: input.jobId, gold: [] };
  if (!input.models.length || !input.partitions.length) return { ...manifest, skipped: 0 };
  const current = await input.outputs.partitionVersions(input.dataset, input.partitions.map((p) => p.partition));
  const mine = input.partitions.filter((p) => current.get(p.partition) === p.version);
  if (!mine.length) return { ...manifest, skipped: input.partitions.length };
  let inWindow = 0;
  await withScratch(input.scratchDir, `${input.jobId}-aggregate`, async (dir) => {
    const work = goldWork(input.models, mine.map((p) => p.partition));
    // Each partition's version is read before its files are listed, so its rows are at least that new.
    // A folder of its own per partition: days hold files of the same names, and the partition's
    // index as the folder name tells buildGoldPartitions which partition a row belongs to.
    const versions = await silverVersions(input, work.map((w) => w.partition), mine);
    const downloaded = await downloadPartitions(input, work.map((w, n) => ({ partition: w.partition, dir: join(dir, "silver", String(n)) })));
    const units = work.map((_, n) => ({ version: versions[n], files: downloaded[n] }));
    inWindow = units.filter((u) => !u.files).length;
    const engine = await Engine.open(input.engine(dir));
    try {
      for (const model of input.models) {
        const mineOfModel = work.flatMap((w, n) => (w.models.includes(model) && units[n].files ? [n] : []));
        const outDir = join(dir, "gold", model.name);
        const ofModel = units.map((u, n) => (mineOfModel.includes(n) ? u.files! : []));
        const built = ofModel.some((f) => f.length) ? await buildGoldPartitions(engine, model, ofModel, outDir) : new Map<number, { file: string; rows: number }>();
        const outs = new Map(built);
        for (const n of mineOfModel) {
          if (outs.has(n) || !units[n].files!.length) continue;
          // Files but no row through the model's filter: an empty file, as for any partition on its own.
          const empty = join(outDir, `empty-${n}.parquet`);
          outs.set(n, { file: empty, rows: await buildGold(engine, model, units[n].files!, empty) });
        }
        const staged = await inParallel(mineOfModel, async (n) => {
          const { partition } = work[n];
          const { version } = units[n];
          const out = outs.get(n);
          if (!out) return { model: model.name, partition, version, rows: 0 };
          const key = lake.staged(input.jobId, lake.gold(model.name, partition));
          await input.store.upload(out.file, { bucket: input.lakeBucket, key }, { metadata: { [VERSION_METADATA]: String(version) } });
          return { model: model.name, partition, version, staged: key, rows: out.rows };
        });
        manifest.gold.push(...staged);
      }
    } finally {
      engine.close();
    }
  });
  // In partition order, model by model within a partition, as the load step expects.
  manifest.gold.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
  return { ...manifest, skipped: input.partitions.length - mine.length + inWindow };
}

/** The silver version of each gold partition: the counter of its day, month or year (core/io/outputTable.ts). */
async function silverVersions(input: StageInput, partitions: readonly string[], mine: readonly PartitionVersion[]): Promise<number[]> {
  const own = new Map(mine.map((p) => [p.partition, p.version]));
  const read = await input.outputs.partitionVersions(input.dataset, partitions.filter((p) => !own.has(p)));
  return partitions.map((p) => own.get(p) ?? read.get(p) ?? 0);
}

/**
 * Downloads each gold partition's silver from outside any compaction's window (docs/gold.md, "The
 * window"): the compaction records of its days are read before the listing and again after the
 * downloads. A generation claimed in between (a record's `rev` moved) may have been listed half
 * copied in: list again. A record `publishing` at either read is a compaction between its
 * copy-in and its deletes, or one killed there: undefined, the partition is left to it, as to a
 * newer version. Finishing it here would need silver writes and deletes aggregate has no grant
 * for; the compaction (or whoever finishes a killed one: core/compact/rewritePartition.ts) bumps
 * the version after its deletes and the gold computed after that is the one published. The
 * records of all the partitions are read together, once before and once after all the downloads.
 */
async function downloadPartitions(input: StageInput, units: readonly { partition: string; dir: string }[]): Promise<(string[] | undefined)[]> {
  const days = units.map((u) => daysUnder(u.partition));
  const records = (of: readonly number[]) => input.outputs.compactions(input.dataset, [...new Set(of.flatMap((n) => days[n]))]);
  const inWindow = (n: number, r: Map<string, CompactionRecord>) => days[n].some((day) => r.get(day)?.state === "publishing");
  const result: (string[] | undefined)[] = new Array(units.length);
  let pending = units.map((_, n) => n);
  while (pending.length) {
    const before = await records(pending);
    const open = pending.filter((n) => !inWindow(n, before)).map((n) => units[n].partition);
    // One listing per run of neighbouring partitions; a partition in a window is not listed at all.
    const listed = await listPartitions(input.store, input.lakeBucket, lake.silverPrefix(input.dataset), open);
    const files = await inParallel(pending, (n) => {
      const keys = listed.get(units[n].partition);
      return keys ? downloadListed(input, keys, units[n].dir) : Promise.resolve(undefined);
    });
    const after = await records(pending);
    const again: number[] = [];
    for (const [i, n] of pending.entries()) {
      if (!files[i] || inWindow(n, after)) result[n] = undefined;
      else if (days[n].every((day) => before.get(day)?.rev === after.get(day)?.rev)) result[n] = files[i];
      else {
        await rm(units[n].dir, { recursive: true, force: true });
        again.push(n);
      }
    }
    pending = again;
  }
  return result;
}

async function downloadListed(input: StageInput, keys: readonly string[], dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const [i, key] of keys.filter((k) => k.endsWith(".parquet")).entries()) {
    const file = join(dir, `${i}-${basename(key)}`);
    // A file a concurrent commit or compaction removed since the listing: that change bumps the
    // partition after it, so this job's result is older and the newer one wins the publish.
    if (await input.store.downloadIfPresent({ bucket: input.lakeBucket, key }, file)) files.push(file);
  }
  return files;
}
