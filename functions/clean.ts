import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import * as v from "valibot";
import { checkInferredCap, isInferred, matchDataset } from "../core/config/matchDataset.ts";
import { Engine } from "../core/engine/engine.ts";
import { gunzipFile } from "../core/format/compression.ts";
import { withScratch } from "../core/io/scratch.ts";
import { lake, LAKE_PREFIXES } from "../core/lake/layout.ts";
import { commitSource } from "../core/commit/commitSource.ts";
import { orderingKey } from "../core/commit/sequencer.ts";
import { stageSource } from "../core/commit/stageSource.ts";
import { ExtractedSchema, type CleanManifest, type CleanOutput } from "../core/pointers.ts";
import { cleanFile, type CleanResult } from "../core/silver/cleanFile.ts";
import { commitSchema, latestSchema } from "../core/schema/commitSchema.ts";
import { defineStep } from "./defineStep.ts";
import "./uses/store.ts";
import "./uses/jobs.ts";
import "./uses/outputs.ts";

const CleanInputSchema = v.object({ extract: ExtractedSchema });

/**
 * bronze → silver: reads the bronze copy with DuckDB, stages day-partitioned silver Parquet and
 * quarantined rows, then commits them in place of what the key's earlier version had written,
 * unless a newer version of the key is committed (core/commit/commitSource.ts).
 */
export const handler = defineStep("clean", CleanInputSchema, async ({ extract }, ctx): Promise<CleanOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "clean");
  const lakeBucket = ctx.settings.ETL_LAKE_BUCKET;
  const dataset = matchDataset(ctx.config, job.source.key, job.dataset);
  const fileName = basename(job.source.key);
  const stored = await latestSchema(ctx.store, lakeBucket, dataset.name);
  // A file founding an inferred dataset must stay under maxInferredDatasets.
  if (!stored && isInferred(ctx.config, dataset.name)) {
    const known = (await ctx.store.list(lakeBucket, LAKE_PREFIXES.schemas)).map((k) => k.slice(LAKE_PREFIXES.schemas.length).split("/")[0]);
    checkInferredCap(ctx.config, dataset.name, known, job.source.key);
  }

  const cleaned = await withScratch(ctx.settings.ETL_SCRATCH_DIR, `${job.jobId}-clean`, async (dir) => {
    const downloaded = join(dir, "bronze");
    await ctx.store.download(extract.bronze, downloaded);
    let path = downloaded;
    if (extract.compression === "gzip") {
      path = `${downloaded}.unzipped`;
      await gunzipFile(downloaded, path, fileName, ctx.settings.ETL_MAX_FILE_BYTES);
      await rm(downloaded);
    }
    const engine = await Engine.open(ctx.engine(dir));
    try {
      const result = await cleanFile(engine, {
        path,
        format: extract.format,
        dataset,
        schema: stored,
        outDir: join(dir, "out"),
        ctx: {
          jobId: job.jobId,
          sourceKey: job.source.key,
          sourceId: job.sourceId,
          processedAt: job.startedAt,
          ingestDate: job.startedAt.slice(0, 10),
          fileName,
        },
      });
      // A new schema version is committed before anything it describes is published.
      if (result.schema.next) await commitSchema(ctx.store, lakeBucket, result.schema.next);
      const staged = await stageSource({
        store: ctx.store,
        bucket: lakeBucket,
        jobId: job.jobId,
        dataset: dataset.name,
        sourceId: job.sourceId,
        silverDir: result.silverDir,
        quarantineFile: result.quarantineFile,
      });
      return { result, staged };
    } finally {
      engine.close();
    }
  });

  // Everything above only staged: from here the version replaces the key's earlier one, unless a newer one did.
  const commit = await commitSource({
    store: ctx.store,
    outputs: ctx.outputs,
    bucket: lakeBucket,
    sequencer: orderingKey(job.source.sequencer),
    manifest: cleaned.staged,
  });
  const committed = commit.outcome === "committed";
  const manifest: CleanManifest = {
    jobId: job.jobId,
    outcome: commit.outcome,
    silver: committed ? cleaned.staged.silver : [],
    quarantine: committed ? cleaned.staged.quarantine : [],
    partitions: commit.partitions,
  };
  const jobManifest = { bucket: lakeBucket, key: lake.jobManifest(job.jobId, "clean") };
  await ctx.store.putJson(jobManifest, manifest);
  const { result } = cleaned;
  await ctx.jobs.update(job.jobId, {
    format: { format: extract.format, compression: extract.compression, encoding: result.encoding, dialect: result.dialect },
    columns: result.columns,
    discardedColumns: result.discardedColumns,
    expectations: result.expectations,
    stats: result.stats,
    // Lines that were not data, and the schema version the file was read against.
    ...(result.skippedLines ? { skippedLines: { count: result.skippedLines, first: result.firstSkipped ?? [] } } : {}),
    schema: schemaOfJob(result.schema),
    manifests: { clean: jobManifest.key },
  });
  // Superseded with nothing to recompute: the job ends here; otherwise gold follows what changed.
  const superseded = !committed && !commit.partitions.length;
  if (superseded) await ctx.jobs.finish(job.jobId, "SUPERSEDED");
  ctx.log.info(committed ? "silver committed" : "superseded by a newer upload of the key", {
    ...result.stats,
    files: manifest.silver.length,
    partitions: commit.partitions.length,
  });
  return {
    manifest: jobManifest,
    superseded,
    inputRows: result.stats.inputRows,
    silverRows: result.stats.silverRows,
    partitions: commit.partitions.length,
  };
});

/** The schema version a job records: the new one when the file created it, with its changes. */
function schemaOfJob(schema: CleanResult["schema"]) {
  const { next } = schema;
  return next ? { version: next.version, hash: next.hash, changes: next.changes } : { version: schema.version, hash: schema.hash };
}
