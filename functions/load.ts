import * as v from "valibot";
import { lake } from "../core/lake/layout.ts";
import {
  AggregateManifestSchema,
  AggregateOutputSchema,
  ExtractedSchema,
  LoadManifestSchema,
  type LoadManifest,
  type LoadOutput,
} from "../core/pointers.ts";
import { readManifest } from "../core/io/readManifest.ts";
import { defineStep } from "./defineStep.ts";

const LoadInputSchema = v.object({ extract: ExtractedSchema, aggregate: AggregateOutputSchema });

/**
 * Publishes staged gold: each partition replaces the published one with a single server-side
 * copy (a reader sees the old object or the new one, never a mix), partitions that lost their
 * last rows are removed, and the job's gold stats are recorded.
 */
export const handler = defineStep("load", LoadInputSchema, async ({ extract, aggregate }, ctx): Promise<LoadOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "load");
  const lakeBucket = ctx.settings.ETL_LAKE_BUCKET;
  const ref = { bucket: lakeBucket, key: lake.jobManifest(job.jobId, "load") };
  // A re-run after a finished publish finds its staging gone: record the result again and stop.
  const done = await ctx.store.getJson<LoadManifest>(ref);
  if (done) {
    await ctx.jobs.update(job.jobId, { stats: { goldRows: aggregate.goldRows }, manifests: { load: ref.key } });
    return { manifest: ref, goldRows: aggregate.goldRows };
  }

  const staged = await readManifest(ctx.store, aggregate.manifest, AggregateManifestSchema);
  const manifest: LoadManifest = { jobId: job.jobId, gold: [], removed: [] };
  for (const g of staged.gold) {
    const target = lake.gold(g.model, g.partition);
    if (g.staged) {
      await ctx.store.copy({ bucket: lakeBucket, key: g.staged }, { bucket: lakeBucket, key: target });
      manifest.gold.push(target);
    } else {
      manifest.removed.push(target);
    }
  }
  await ctx.store.delete(lakeBucket, manifest.removed);
  await ctx.store.putJson(ref, v.parse(LoadManifestSchema, manifest));
  await ctx.store.delete(
    lakeBucket,
    staged.gold.flatMap((g) => (g.staged ? [g.staged] : [])),
  );
  await ctx.jobs.update(job.jobId, { stats: { goldRows: aggregate.goldRows }, manifests: { load: ref.key } });
  ctx.log.info("gold published", { objects: manifest.gold.length, removed: manifest.removed.length });
  return { manifest: ref, goldRows: aggregate.goldRows };
});
