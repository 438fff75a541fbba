import { basename, join } from "node:path";
import * as v from "valibot";
import { Engine } from "../core/engine/engine.ts";
import { buildGold } from "../core/gold/buildGold.ts";
import { withScratch } from "../core/io/scratch.ts";
import { lake } from "../core/lake/layout.ts";
import {
  AggregateManifestSchema,
  CleanManifestSchema,
  CleanOutputSchema,
  ExtractedSchema,
  type AggregateManifest,
  type AggregateOutput,
} from "../core/pointers.ts";
import { readManifest } from "../core/io/readManifest.ts";
import { defineStep } from "./defineStep.ts";

const AggregateInputSchema = v.object({ extract: ExtractedSchema, clean: CleanOutputSchema });

/**
 * silver → gold: recomputes every gold model of the dataset for each day partition the job
 * touched, from all the silver rows of that partition (not only this job's), and stages the
 * results for the load step to publish.
 */
export const handler = defineStep("aggregate", AggregateInputSchema, async ({ extract, clean }, ctx): Promise<AggregateOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "aggregate");
  const lakeBucket = ctx.settings.ETL_LAKE_BUCKET;
  const models = ctx.config.gold.filter((m) => m.dataset === job.dataset);
  const cleaned = await readManifest(ctx.store, clean.manifest, CleanManifestSchema);
  const manifest: AggregateManifest = { jobId: job.jobId, gold: [] };

  if (models.length) {
    for (const partition of cleaned.partitions) {
      await withScratch(ctx.settings.ETL_SCRATCH_DIR, `${job.jobId}-aggregate`, async (dir) => {
        const keys = await ctx.store.list(lakeBucket, `${lake.silverPrefix(job.dataset)}${partition}/`);
        const files: string[] = [];
        for (const [i, key] of keys.filter((k) => k.endsWith(".parquet")).entries()) {
          const file = join(dir, "silver", `${i}-${basename(key)}`);
          await ctx.store.download({ bucket: lakeBucket, key }, file);
          files.push(file);
        }
        const engine = files.length ? await Engine.open(ctx.engine(dir)) : undefined;
        try {
          for (const model of models) {
            if (!engine) {
              // The partition lost its last rows (a re-upload moved them): its gold goes too.
              manifest.gold.push({ model: model.name, partition, rows: 0 });
              continue;
            }
            const out = join(dir, "gold", model.name, "part.parquet");
            const rows = await buildGold(engine, model, files, out);
            const staged = lake.staging(job.jobId, model.name, partition);
            await ctx.store.upload(out, { bucket: lakeBucket, key: staged });
            manifest.gold.push({ model: model.name, partition, staged, rows });
          }
        } finally {
          engine?.close();
        }
      });
    }
  }
  const ref = { bucket: lakeBucket, key: lake.jobManifest(job.jobId, "aggregate") };
  await ctx.store.putJson(ref, v.parse(AggregateManifestSchema, manifest));
  const goldRows = manifest.gold.reduce((n, g) => n + g.rows, 0);
  ctx.log.info("gold staged", { partitions: cleaned.partitions.length, models: models.length, goldRows });
  return { manifest: ref, goldRows };
});
