import * as v from "valibot";
import { publishLatest } from "../core/commit/publishLatest.ts";
import { orderingKey } from "../core/commit/sequencer.ts";
import { outputId } from "../core/io/outputTable.ts";
import { archivedKey } from "../core/lake/layout.ts";
import { ExtractedSchema, type ArchiveOutput } from "../core/pointers.ts";
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
  const { published } = await publishLatest({
    store: ctx.store,
    outputs: ctx.outputs,
    id: outputId.archive(job.sourceId),
    version: orderingKey(job.source.sequencer),
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
