import { randomUUID } from "node:crypto";
import type { GoldModel } from "../../core/config/goldModel.ts";
import { syncCatalog } from "../../core/io/catalogSync.ts";
import { publishGold } from "../../core/gold/publishGold.ts";
import { stagePartitions } from "../../core/gold/stagePartitions.ts";
import { LAKE_PREFIXES, lake, partitionOf } from "../../core/lake/layout.ts";
import type { Services } from "../../functions/services.ts";

/** What a rebuild did. */
export type RebuildResult = { jobId: string; partitions: number; published: number; removed: number; rows: number };

/**
 * Recomputes a model's whole history from silver, after it was added or changed: every silver
 * day partition of its dataset goes through the same staging and publishing as a job's, then gold
 * partitions the model no longer has (its grain changed, say) are removed and its table updated.
 */
export async function rebuildModel(services: Services, model: GoldModel): Promise<RebuildResult> {
  const bucket = services.settings.ETL_LAKE_BUCKET;
  const jobId = `rebuild-${model.name}-${randomUUID().slice(0, 8)}`;
  const days = [...new Set((await services.store.list(bucket, lake.silverPrefix(model.dataset))).flatMap((k) => partitionOf(k) ?? []))].sort();
  // Built from silver as it is now: each day at its current version, which publishing accepts.
  const versions = await services.outputs.partitionVersions(model.dataset, days);
  const staged = await stagePartitions({
    store: services.store,
    lakeBucket: bucket,
    scratchDir: services.settings.ETL_SCRATCH_DIR,
    engine: services.engine,
    jobId,
    dataset: model.dataset,
    models: [model],
    outputs: services.outputs,
    partitions: days.map((partition) => ({ partition, version: versions.get(partition) ?? 0 })),
  });
  const published = await publishGold(services.store, services.outputs, staged, { bucket, key: lake.jobManifest(jobId, "load") });
  const keep = new Set(published.gold);
  const stale = (await services.store.list(bucket, `${LAKE_PREFIXES.gold}${model.name}/`)).filter((k) => !keep.has(k));
  await services.store.delete(bucket, stale);
  await syncCatalog({ ...services, lakeBucket: bucket, dataset: model.dataset, written: [] });
  return {
    jobId,
    partitions: staged.gold.length,
    published: published.gold.length,
    removed: stale.length,
    rows: staged.gold.reduce((n, g) => n + g.rows, 0),
  };
}
