import type { ObjectRef, ObjectStore } from "../io/objectStore.ts";
import { lake } from "../lake/layout.ts";
import type { AggregateManifest, LoadManifest } from "../pointers.ts";

/**
 * Publishes staged gold partitions: each replaces the published object with one server-side copy
 * (a reader sees the old object or the new one, never a mix), partitions left without rows are
 * removed, the record of what was published is written, and only then is staging cleared. Run
 * again after it finished, it finds that record and does nothing.
 */
export async function publishGold(store: ObjectStore, staged: AggregateManifest, record: ObjectRef): Promise<LoadManifest> {
  const done = await store.getJson<LoadManifest>(record);
  if (done) return done;
  const bucket = record.bucket;
  const manifest: LoadManifest = { jobId: staged.jobId, gold: [], removed: [] };
  for (const g of staged.gold) {
    const target = lake.gold(g.model, g.partition);
    if (g.staged) {
      await store.copy({ bucket, key: g.staged }, { bucket, key: target });
      manifest.gold.push(target);
    } else {
      manifest.removed.push(target);
    }
  }
  await store.delete(bucket, manifest.removed);
  await store.putJson(record, manifest);
  await store.delete(bucket, staged.gold.flatMap((g) => (g.staged ? [g.staged] : [])));
  return manifest;
}
