import * as v from "valibot";
import { publishGold } from "../core/gold/publishGold.ts";
import { readManifest } from "../core/io/readManifest.ts";
import { syncCatalog } from "../core/io/catalogSync.ts";
import { lake } from "../core/lake/layout.ts";
import { AggregateManifestSchema, AggregateOutputSchema, ExtractedSchema, type LoadOutput } from "../core/pointers.ts";
import { quicksightDataSetId } from "../core/catalog/spiceRefresh.ts";
import { refreshSpice } from "../core/io/spiceRefresh.ts";
import { defineStep } from "./defineStep.ts";
import "./uses/store.ts";
import "./uses/jobs.ts";
import "./uses/outputs.ts";
import "./uses/catalog.ts";
import "./uses/quicksight.ts";

const LoadInputSchema = v.object({ extract: ExtractedSchema, aggregate: AggregateOutputSchema });

/** Publishes the gold partitions aggregate staged, each unless a newer version of it is published, and records the job's gold stats. */
export const handler = defineStep("load", LoadInputSchema, async ({ extract, aggregate }, ctx): Promise<LoadOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "load");
  const record = { bucket: ctx.settings.ETL_LAKE_BUCKET, key: lake.jobManifest(job.jobId, "load") };
  const staged = await readManifest(ctx.store, aggregate.manifest, AggregateManifestSchema);
  const published = await publishGold(ctx.store, ctx.outputs, staged, record);
  await ctx.jobs.update(job.jobId, { stats: { goldRows: published.goldRows }, manifests: { load: record.key } });
  ctx.log.info("gold published", { objects: published.gold.length, removed: published.removed.length, goldRows: published.goldRows });
  const written = (await ctx.jobs.get(job.jobId))?.columns ?? [];
  const tables = await syncCatalog({ ...ctx, lakeBucket: record.bucket, dataset: job.dataset, written });
  if (tables.length) ctx.log.info("catalog tables written", { tables });
  const qs = ctx.config.quicksight;
  const { ETL_QUICKSIGHT_ACCOUNT_ID: accountId, ETL_QUICKSIGHT_DATASET_PREFIX: prefix } = ctx.settings;
  if (qs?.mode === "spice" && accountId && prefix && published.gold.length + published.removed.length) {
    // Only the models whose gold changed; coalesced so a day of uploads stays within the ingestion quota.
    const models = [...new Set(staged.gold.map((g) => g.model))];
    const dataSetIds = models.map((m) => quicksightDataSetId(prefix, `gold_${m}`));
    const spice = await refreshSpice(ctx.quicksight, ctx.outputs, { accountId, dataSetIds, intervalMinutes: qs.refreshMinutes });
    ctx.log.info("SPICE refreshes", spice);
  }
  return { manifest: record, goldRows: published.goldRows };
});
