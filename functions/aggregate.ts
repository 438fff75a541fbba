import * as v from "valibot";
import { stagePartitions } from "../core/gold/stagePartitions.ts";
import { lake } from "../core/lake/layout.ts";
import {
  AggregateManifestSchema,
  CleanManifestSchema,
  CleanOutputSchema,
  ExtractedSchema,
  type AggregateOutput,
} from "../core/pointers.ts";
import { readManifest } from "../core/io/readManifest.ts";
import { defineStep } from "./defineStep.ts";
import "./uses/store.ts";
import "./uses/jobs.ts";
import "./uses/outputs.ts";

const AggregateInputSchema = v.object({ extract: ExtractedSchema, clean: CleanOutputSchema });

/**
 * silver → gold: recomputes every gold model of the dataset for each day partition the job
 * changed, from all the silver rows of that partition (not only this job's), and stages the
 * results for the load step to publish; partitions a newer job changed since are left to it.
 */
export const handler = defineStep("aggregate", AggregateInputSchema, async ({ extract, clean }, ctx): Promise<AggregateOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "aggregate");
  const lakeBucket = ctx.settings.ETL_LAKE_BUCKET;
  const models = ctx.config.gold.filter((m) => m.dataset === job.dataset);
  const cleaned = await readManifest(ctx.store, clean.manifest, CleanManifestSchema);
  const manifest = await stagePartitions({
    store: ctx.store,
    outputs: ctx.outputs,
    lakeBucket,
    scratchDir: ctx.settings.ETL_SCRATCH_DIR,
    engine: ctx.engine,
    jobId: job.jobId,
    dataset: job.dataset,
    models,
    partitions: cleaned.partitions,
  });
  const ref = { bucket: lakeBucket, key: lake.jobManifest(job.jobId, "aggregate") };
  const { skipped, ...staged } = manifest;
  await ctx.store.putJson(ref, v.parse(AggregateManifestSchema, staged));
  const goldRows = manifest.gold.reduce((n, g) => n + g.rows, 0);
  ctx.log.info("gold staged", { partitions: cleaned.partitions.length, leftToNewerJobs: skipped, models: models.length, goldRows });
  return { manifest: ref, goldRows };
});
