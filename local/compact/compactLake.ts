import { randomUUID } from "node:crypto";
import { needsCompaction } from "../../core/compact/compactionPlan.ts";
import { rewritePartition } from "../../core/compact/rewritePartition.ts";
import { publishGold } from "../../core/gold/publishGold.ts";
import { stagePartitions } from "../../core/gold/stagePartitions.ts";
import { LAKE_PREFIXES, lake, partitionOf } from "../../core/lake/layout.ts";
import type { PartitionVersion } from "../../core/pointers.ts";
import type { Services } from "../../functions/services.ts";

/** A silver partition `etl compact` would rewrite, with how many Parquet files it holds. */
export type CompactTarget = { dataset: string; partition: string; files: number };

/** One rewritten partition: its files before and after. */
export type Compacted = CompactTarget & { filesAfter: number };

/** Without a dataset config (an inferred dataset), the default target size. */
const DEFAULT_TARGET_MB = 128;

/**
 * The partitions worth compacting: every silver partition (of `dataset`, among `partitions` when
 * given) holding more than one Parquet file, or whose last compaction was interrupted (its record
 * still `publishing`: run again, it is finished).
 */
export async function compactTargets(services: Services, filter: { dataset?: string; partitions?: readonly string[] }): Promise<CompactTarget[]> {
  const bucket = services.settings.ETL_LAKE_BUCKET;
  const prefix = filter.dataset ? lake.silverPrefix(filter.dataset) : LAKE_PREFIXES.silver;
  const byPartition = new Map<string, string[]>();
  for (const key of await services.store.list(bucket, prefix)) {
    const dataset = key.slice(LAKE_PREFIXES.silver.length).split("/")[0];
    const partition = partitionOf(key);
    if (!partition || (filter.partitions?.length && !filter.partitions.includes(partition))) continue;
    const id = `${dataset}\u0000${partition}`;
    byPartition.set(id, [...(byPartition.get(id) ?? []), key]);
  }
  const targets: CompactTarget[] = [];
  for (const [id, keys] of byPartition) {
    const [dataset, partition] = id.split("\u0000");
    const interrupted = async () => (await services.outputs.compaction(dataset, partition))?.state === "publishing";
    if (needsCompaction(keys, "any") || (await interrupted())) targets.push({ dataset, partition, files: keys.filter((k) => k.endsWith(".parquet")).length });
  }
  return targets.sort((a, b) => (a.dataset + a.partition < b.dataset + b.partition ? -1 : 1));
}

/**
 * Compacts the partitions, then recomputes their gold at the versions the compactions gave them
 * (the same staging and publishing as a job), so no gold stays computed from inside a window.
 */
export async function compactLake(services: Services, targets: readonly CompactTarget[]): Promise<Compacted[]> {
  const bucket = services.settings.ETL_LAKE_BUCKET;
  const context = {
    store: services.store,
    outputs: services.outputs,
    bucket,
    rawBucket: services.settings.ETL_RAW_BUCKET,
    scratchDir: services.settings.ETL_SCRATCH_DIR,
    engine: services.engine,
  };
  const done: Compacted[] = [];
  const changed = new Map<string, PartitionVersion[]>();
  for (const t of targets) {
    const targetMb = services.config.datasets.find((d) => d.name === t.dataset)?.compaction.targetMb ?? DEFAULT_TARGET_MB;
    const result = await rewritePartition(context, { dataset: t.dataset, partition: t.partition, compact: true, drop: [], targetBytes: targetMb * 1024 * 1024 });
    done.push({ ...t, filesAfter: result.filesAfter });
    if (result.version !== undefined) changed.set(t.dataset, [...(changed.get(t.dataset) ?? []), { partition: t.partition, version: result.version }]);
  }
  for (const [dataset, partitions] of changed) {
    const jobId = `compact-${dataset}-${randomUUID().slice(0, 8)}`;
    const staged = await stagePartitions({
      store: services.store,
      outputs: services.outputs,
      lakeBucket: bucket,
      scratchDir: services.settings.ETL_SCRATCH_DIR,
      engine: services.engine,
      jobId,
      dataset,
      models: services.config.gold.filter((m) => m.dataset === dataset),
      partitions,
    });
    await publishGold(services.store, services.outputs, staged, { bucket, key: lake.jobManifest(jobId, "load") });
  }
  return done;
}
