import * as v from "valibot";
import { archivedKey } from "../core/lake/layout.ts";
import { ExtractedSchema, type ArchiveOutput } from "../core/pointers.ts";
import { defineStep } from "./defineStep.ts";

const ArchiveInputSchema = v.object({ extract: ExtractedSchema });

/**
 * incoming/ → archived/: copies the upload, verifies the copy, then deletes the original.
 * Safe to re-run: a source already gone with its copy in place means the work is done.
 */
export const handler = defineStep("archive", ArchiveInputSchema, async ({ extract }, ctx): Promise<ArchiveOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "archive");
  const source = { bucket: job.source.bucket, key: job.source.key };
  const archived = { bucket: job.source.bucket, key: archivedKey(job.source.key) };
  // The key's current object, which may be a newer upload than this job's.
  const original = await ctx.store.head(source);
  if (!original) {
    if (await ctx.store.head(archived)) return { archived };
    throw new Error(`Neither ${source.key} nor ${archived.key} exists in ${source.bucket}`);
  }
  const replaced = job.source.versionId ? original.versionId !== job.source.versionId : original.etag !== job.source.etag;
  if (replaced) {
    // A newer upload took the key since this job started: it has its own job and archive.
    ctx.log.warn("source replaced by a newer upload; leaving it in place", { key: source.key });
    return { archived: source };
  }
  await ctx.store.copy({ ...source, versionId: job.source.versionId }, archived);
  const copy = await ctx.store.head(archived);
  if (!copy || copy.size !== original.size) {
    throw new Error(`Archive copy of ${source.key} does not match the original (${copy?.size} vs ${original.size} bytes)`);
  }
  await ctx.store.delete(source.bucket, [source.key]);
  return { archived };
});
