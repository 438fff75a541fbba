import * as v from "valibot";
import { publishLatest } from "../core/commit/publishLatest.ts";
import { versionOrder } from "../core/commit/sequencer.ts";
import { outputId } from "../core/io/outputTable.ts";
import { archivedKey } from "../core/lake/layout.ts";
import { ExtractedSchema, type ArchiveOutput } from "../core/pointers.ts";
import { eraseSource } from "../core/replay/eraseSource.ts";
import { defineStep } from "./defineStep.ts";
import "./uses/store.ts";
import "./uses/jobs.ts";
import "./uses/outputs.ts";

const ArchiveInputSchema = v.object({ extract: ExtractedSchema });

/**
 * incoming/ → archived/: puts this upload under `archived/<key>` unless a newer upload of the key
 * is archived there (its bronze copy is the source: the bytes of exactly this version, which stay
 * readable whatever happens to `incoming/`), then removes this upload from `incoming/`: by its
 * version id, so a newer upload of the key is never removed or hidden. Safe to re-run.
 */
export const handler = defineStep("archive", ArchiveInputSchema, async ({ extract }, ctx): Promise<ArchiveOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "archive");
  const source = { bucket: job.source.bucket, key: job.source.key };
  const archived = { bucket: job.source.bucket, key: archivedKey(job.source.key) };
  if ("retract" in extract) {
    // `--keep-raw`: the rows are gone from silver, quarantine and gold; the raw copies stay.
    if (!job.retract?.erase) return { archived };
    // First the archive record moves past the retracted version, so an archive of it still in
    // flight (a replay's) can no longer put it back; that also removes archived/<key>'s current object.
    await publishLatest({ store: ctx.store, outputs: ctx.outputs, id: outputId.archive(job.sourceId), version: versionOrder(job), jobId: job.jobId, target: archived });
    const removed = await eraseSource({
      store: ctx.store,
      rawBucket: job.source.bucket,
      lakeBucket: ctx.settings.ETL_LAKE_BUCKET,
      dataset: job.dataset,
      key: job.source.key,
      jobs: job.retract.jobs,
      // A second's margin: listings give times to the second, and the delete marker just made must go too.
      before: new Date(Date.now() + 1000),
    });
    ctx.log.info("raw copies erased", { key: job.source.key, removed });
    return { archived };
  }
  const { published } = await publishLatest({
    store: ctx.store,
    outputs: ctx.outputs,
    id: outputId.archive(job.sourceId),
    version: versionOrder(job),
    jobId: job.jobId,
    from: extract.bronze,
    target: archived,
  });
  if (!published) ctx.log.info("a newer upload of the key is archived; keeping it", { key: archived.key });
  if (job.source.versionId) {
    await ctx.store.deleteVersion({ ...source, versionId: job.source.versionId });
  } else {
    // A bucket without versions holds one object per key: remove it only while it is still this upload.
    const current = await ctx.store.head(source);
    if (current && current.etag === job.source.etag) await ctx.store.delete(source.bucket, [source.key]);
    else if (current) ctx.log.warn("source replaced by a newer upload; leaving it in place", { key: source.key });
  }
  return { archived };
});
