import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { GoldModel } from "../config/goldModel.ts";
import { Engine, type EngineOptions } from "../engine/engine.ts";
import type { ObjectStore } from "../io/objectStore.ts";
import type { OutputTable } from "../io/outputTable.ts";
import { withScratch } from "../io/scratch.ts";
import { lake } from "../lake/layout.ts";
import type { AggregateManifest, PartitionVersion } from "../pointers.ts";
import { VERSION_METADATA } from "../commit/publishLatest.ts";
import { buildGold } from "./buildGold.ts";
import { goldWork } from "./goldPartitions.ts";

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
 * everything it falls into after it, so N jobs on one partition never do N² work. One engine serves every partition; one partition's files are on disk at a
 * time. A partition left without silver rows (a re-upload moved them) is listed with no staged
 * object: its gold goes too.
 */
export async function stagePartitions(input: StageInput): Promise<AggregateManifest & { skipped: number }> {
  const manifest: AggregateManifest = { jobId: input.jobId, gold: [] };
  if (!input.models.length || !input.partitions.length) return { ...manifest, skipped: 0 };
  const current = await input.outputs.partitionVersions(input.dataset, input.partitions.map((p) => p.partition));
  const mine = input.partitions.filter((p) => current.get(p.partition) === p.version);
  if (!mine.length) return { ...manifest, skipped: input.partitions.length };
  await withScratch(input.scratchDir, `${input.jobId}-aggregate`, async (dir) => {
    const engine = await Engine.open(input.engine(dir));
    try {
      for (const [n, { partition, silverPrefix, models }] of goldWork(input.models, mine.map((p) => p.partition)).entries()) {
        // The version is read before the files are listed, so the rows are at least that new.
        const version = await silverVersion(input, silverPrefix, mine);
        // A folder of its own per partition: days hold files of the same names, and the one engine
        // caches what it read by path, so a reused path would be read as the earlier file.
        const files = await downloadPartition(input, silverPrefix, join(dir, "silver", String(n)));
        for (const model of models) {
          if (!files.length) {
            manifest.gold.push({ model: model.name, partition, version, rows: 0 });
            continue;
          }
          const out = join(dir, "gold", `${model.name}.parquet`);
          const rows = await buildGold(engine, model, files, out);
          const staged = lake.staged(input.jobId, lake.gold(model.name, partition));
          await input.store.upload(out, { bucket: input.lakeBucket, key: staged }, { metadata: { [VERSION_METADATA]: String(version) } });
          manifest.gold.push({ model: model.name, partition, version, staged, rows });
        }
        await rm(join(dir, "silver", String(n)), { recursive: true, force: true });
      }
    } finally {
      engine.close();
    }
  });
  return { ...manifest, skipped: input.partitions.length - mine.length };
}

/** The silver version of a gold partition: the counter of its day, month or year (core/io/outputTable.ts). */
async function silverVersion(input: StageInput, silverPrefix: string, mine: readonly PartitionVersion[]): Promise<number> {
  const partition = silverPrefix.replace(/\/$/, "");
  const own = mine.find((p) => p.partition === partition);
  if (own) return own.version;
  return (await input.outputs.partitionVersions(input.dataset, [partition])).get(partition) ?? 0;
}

async function downloadPartition(input: StageInput, silverPrefix: string, dir: string): Promise<string[]> {
  const keys = await input.store.list(input.lakeBucket, `${lake.silverPrefix(input.dataset)}${silverPrefix}`);
  const files: string[] = [];
  for (const [i, key] of keys.filter((k) => k.endsWith(".parquet")).entries()) {
    const file = join(dir, `${i}-${basename(key)}`);
    await input.store.download({ bucket: input.lakeBucket, key }, file);
    files.push(file);
  }
  return files;
}
