import { readdir, rm } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import * as v from "valibot";
import { checkInferredCap, isInferred, matchDataset } from "../core/config/matchDataset.ts";
import { Engine } from "../core/engine/engine.ts";
import { gunzipFile } from "../core/format/compression.ts";
import { withScratch } from "../core/io/scratch.ts";
import { lake, LAKE_PREFIXES } from "../core/lake/layout.ts";
import { replaceSource } from "../core/silver/replaceSource.ts";
import { ExtractedSchema, type CleanManifest, type CleanOutput } from "../core/pointers.ts";
import { cleanFile, type CleanResult } from "../core/silver/cleanFile.ts";
import { commitSchema, latestSchema } from "../core/schema/commitSchema.ts";
import { defineStep } from "./defineStep.ts";

const CleanInputSchema = v.object({ extract: ExtractedSchema });

/**
 * bronze → silver: reads the bronze copy with DuckDB, writes day-partitioned silver Parquet and
 * quarantined rows, then retires what an earlier upload under the same key had written.
 */
export const handler = defineStep("clean", CleanInputSchema, async ({ extract }, ctx): Promise<CleanOutput> => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "clean");
  const lakeBucket = ctx.settings.ETL_LAKE_BUCKET;
  const dataset = matchDataset(ctx.config, job.source.key, job.dataset);
  const fileName = basename(job.source.key);
  const stored = await latestSchema(ctx.store, lakeBucket, dataset.name);
  // Silver (issue 7): a file founding an inferred dataset must stay under maxInferredDatasets.
  if (!stored && isInferred(ctx.config, dataset.name)) {
    const known = (await ctx.store.list(lakeBucket, LAKE_PREFIXES.schemas)).map((k) => k.slice(LAKE_PREFIXES.schemas.length).split("/")[0]);
    checkInferredCap(ctx.config, dataset.name, known, job.source.key);
  }

  const written = await withScratch(ctx.settings.ETL_SCRATCH_DIR, `${job.jobId}-clean`, async (dir) => {
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
      const silver: string[] = [];
      for (const file of await listFiles(result.silverDir)) {
        const key = lake.silverPrefix(dataset.name) + relative(result.silverDir, file);
        await ctx.store.upload(file, { bucket: lakeBucket, key });
        silver.push(key);
      }
      const quarantine: string[] = [];
      if (result.quarantineFile) {
        const key = lake.quarantine(dataset.name, job.sourceId);
        await ctx.store.upload(result.quarantineFile, { bucket: lakeBucket, key });
        quarantine.push(key);
      }
      return { result, silver, quarantine };
    } finally {
      engine.close();
    }
  });

  // A new upload under a key replaces that key's earlier rows: delete what it wrote and is not rewritten.
  const sourceManifest = { bucket: lakeBucket, key: lake.sourceManifest(dataset.name, job.sourceId) };
  const previous = await ctx.store.getJson<CleanManifest>(sourceManifest);
  const { stale, partitions } = replaceSource(previous, job.jobId, written);
  await ctx.store.delete(lakeBucket, stale);
  const manifest: CleanManifest = { jobId: job.jobId, silver: written.silver, quarantine: written.quarantine, partitions };
  const jobManifest = { bucket: lakeBucket, key: lake.jobManifest(job.jobId, "clean") };
  await ctx.store.putJson(jobManifest, manifest);
  await ctx.store.putJson(sourceManifest, manifest);
  await ctx.jobs.update(job.jobId, {
    format: {
      format: extract.format,
      compression: extract.compression,
      encoding: written.result.encoding,
      dialect: written.result.dialect,
    },
    columns: written.result.columns,
    discardedColumns: written.result.discardedColumns,
    expectations: written.result.expectations,
    stats: written.result.stats,
    // Silver (issue 7): lines that were not data, and the schema version the file was read against.
    ...(written.result.skippedLines ? { skippedLines: { count: written.result.skippedLines, first: written.result.firstSkipped ?? [] } } : {}),
    schema: schemaOfJob(written.result.schema),
    manifests: { clean: jobManifest.key },
  });
  ctx.log.info("silver written", { ...written.result.stats, files: written.silver.length, replaced: stale.length });
  return {
    manifest: jobManifest,
    inputRows: written.result.stats.inputRows,
    silverRows: written.result.stats.silverRows,
    partitions: partitions.length,
  };
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/** The schema version a job records: the new one when the file created it, with its changes. */
function schemaOfJob(schema: CleanResult["schema"]) {
  const { next } = schema;
  return next ? { version: next.version, hash: next.hash, changes: next.changes } : { version: schema.version, hash: schema.hash };
}
