import { publishLatest } from "../commit/publishLatest.ts";
import { inParallel } from "../inParallel.ts";
import type { ObjectRef, ObjectStore } from "../io/objectStore.ts";
import { outputId, type OutputTable } from "../io/outputTable.ts";
import { lake } from "../lake/layout.ts";
import type { AggregateManifest, LoadManifest } from "../pointers.ts";

/**
 * Publishes staged gold partitions, each only if the silver version it was built from is the
 * newest published for that partition (core/commit/publishLatest.ts): one server-side copy
 * replaces the object (a reader sees the old or the new, never a mix), a partition left without
 * rows is removed. A staged object that lost to a newer one, or that a newer one replaced, is
 * deleted; the published one stays staged so a repair can copy it again. Partitions are published
 * a few at a time (90 days one by one took 2-3 s at 1M rows); the record is written once all
 * are. Run again after it finished, it finds its record and does nothing.
 */
export async function publishGold(
  store: ObjectStore,
  outputs: OutputTable,
  staged: AggregateManifest,
  record: ObjectRef,
): Promise<LoadManifest> {
  const done = await store.getJson<LoadManifest>(record);
  if (done) return done;
  const bucket = record.bucket;
  const manifest: LoadManifest = { jobId: staged.jobId, gold: [], removed: [], goldRows: 0 };
  // Each partition has its own record and target, so their claims, copies and checks are independent.
  const outcomes = await inParallel(staged.gold, (g) =>
    publishLatest({
      store,
      outputs,
      id: outputId.gold(g.model, g.partition),
      version: g.version,
      jobId: staged.jobId,
      from: g.staged ? { bucket, key: g.staged } : undefined,
      target: { bucket, key: lake.gold(g.model, g.partition) },
    }),
  );
  const obsolete: string[] = [];
  for (const [i, { published, replaced }] of outcomes.entries()) {
    const g = staged.gold[i];
    if (published) {
      (g.staged ? manifest.gold : manifest.removed).push(lake.gold(g.model, g.partition));
      manifest.goldRows += g.rows;
    } else if (g.staged) {
      obsolete.push(g.staged);
    }
    if (replaced?.from && replaced.job_id !== staged.jobId) obsolete.push(replaced.from.key);
  }
  await store.putJson(record, manifest);
  await store.delete(bucket, obsolete);
  return manifest;
}
