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
import { commitSchema, latestSchema, schemaVersions } from "../core/schema/commitSchema.ts";
import { conformSilver, type ConformInput } from "../core/commit/conformSilver.ts";
import type { SchemaDocument } from "../core/schema/schemaDocument.ts";
import type { PartitionVersion } from "../core/pointers.ts";
import { compactCrowded } from "../core/compact/compactCrowded.ts";
import { recordJobHistory } from "../core/io/catalogJobHistory.ts";
import { defineStep } from "./defineStep.ts";

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

  // What the schema conformance of silver needs (core/commit/conformSilver.ts).
  const conformInput = (engine: Engine, dir: string, versions: SchemaDocument[]): ConformInput => ({
    store: ctx.store,
    outputs: ctx.outputs,
    engine,
    bucket: lakeBucket,
    dataset: dataset.name,
    jobId: job.jobId,
    versions,
    dir: join(dir, "conform"),
  });

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
      const created = result.schema.next ? (await commitSchema(ctx.store, lakeBucket, { ...result.schema.next, jobId: job.jobId })) === "created" : false;
      const staged = await stageSource({
        store: ctx.store,
        bucket: lakeBucket,
        jobId: job.jobId,
        dataset: dataset.name,
        sourceId: job.sourceId,
        silverDir: result.silverDir,
        quarantineFile: result.quarantineFile,
        schemaVersion: result.schema.version,
      });
      // Silver files of types older than the newest version are rewritten to it (docs/silver.md).
      const rewritten = await conformSilver(conformInput(engine, dir, await schemaVersions(ctx.store, lakeBucket, dataset.name)));
      return { result, staged, created, rewritten };
    } finally {
      engine.close();
    }
  });

  const compaction = {
    store: ctx.store,
    outputs: ctx.outputs,
    bucket: lakeBucket,
    rawBucket: ctx.settings.ETL_RAW_BUCKET,
    scratchDir: ctx.settings.ETL_SCRATCH_DIR,
    engine: ctx.engine,
    targetBytes: dataset.compaction.targetMb * 1024 * 1024,
  };
  // Everything above only staged: from here the version replaces the key's earlier one, unless a newer one did.
  const commit = await commitSource({
    store: ctx.store,
    outputs: ctx.outputs,
    bucket: lakeBucket,
    sequencer: orderingKey(job.source.sequencer),
    manifest: cleaned.staged,
    compaction,
  });
  const committed = commit.outcome === "committed";
  // A version created after this file was read (by a job whose pass listed silver before this
  // commit) is this job's to apply to its own files, now that they are visible.
  const versions = await schemaVersions(ctx.store, lakeBucket, dataset.name);
  const own =
    committed && (versions.at(-1)?.version ?? 0) > cleaned.result.schema.version
      ? await withScratch(ctx.settings.ETL_SCRATCH_DIR, `${job.jobId}-conform`, async (dir) => {
          const engine = await Engine.open(ctx.engine(dir));
          try {
            return await conformSilver(conformInput(engine, dir, versions), cleaned.staged.silver);
          } finally {
            engine.close();
          }
        })
      : [];
  let partitions = newest([...commit.partitions, ...cleaned.rewritten, ...own]);
  // Small uploads must not leave a partition of thousands of files: past the threshold it is
  // compacted now, before gold, and after the conformance above (it merges conformed files).
  if (committed) {
    const crowded = await compactCrowded(compaction, { dataset: dataset.name, maxFiles: dataset.compaction.maxFiles, targetBytes: compaction.targetBytes, partitions });
    partitions = crowded.partitions;
    if (crowded.compacted) ctx.log.info("silver partitions compacted", { partitions: crowded.compacted });
  }
  const manifest: CleanManifest = {
    jobId: job.jobId,
    outcome: commit.outcome,
    silver: committed ? cleaned.staged.silver : [],
    quarantine: committed ? cleaned.staged.quarantine : [],
    partitions,
  };
  const jobManifest = { bucket: lakeBucket, key: lake.jobManifest(job.jobId, "clean") };
  await ctx.store.putJson(jobManifest, manifest);
  const { result } = cleaned;
  await ctx.jobs.update(job.jobId, {
    format: {
      format: extract.format,
      compression: extract.compression,
      encoding: result.encoding,
      ...(result.invalidSequences ? { invalidSequences: result.invalidSequences } : {}),
      dialect: result.dialect,
    },
    columns: result.columns,
    discardedColumns: result.discardedColumns,
    expectations: result.expectations,
    stats: result.stats,
    // Lines that were not data, and the schema version the file was read against.
    ...(result.skippedLines ? { skippedLines: { count: result.skippedLines, first: result.firstSkipped ?? [] } } : {}),
    schema: schemaOfJob(result.schema, cleaned.created ? result.schema.next : stored?.jobId === job.jobId ? stored : undefined),
    manifests: { clean: jobManifest.key },
  });
  // Superseded with nothing to recompute: the job ends here; otherwise gold follows what changed.
  const superseded = !committed && !manifest.partitions.length;
  if (superseded) {
    await ctx.jobs.finish(job.jobId, "SUPERSEDED");
    await recordJobHistory(ctx.store, lakeBucket, (await ctx.jobs.get(job.jobId))!);
  }
  ctx.log.info(committed ? "silver committed" : "superseded by a newer upload of the key", {
    ...result.stats,
    files: manifest.silver.length,
    partitions: manifest.partitions.length,
  });
  return {
    manifest: jobManifest,
    superseded,
    inputRows: result.stats.inputRows,
    silverRows: result.stats.silverRows,
    partitions: manifest.partitions.length,
  };
});

/** One entry per partition, its newest version: gold computes each once. */
function newest(partitions: readonly PartitionVersion[]): PartitionVersion[] {
  const byPartition = new Map<string, number>();
  for (const p of partitions) byPartition.set(p.partition, Math.max(p.version, byPartition.get(p.partition) ?? 0));
  return [...byPartition].sort(([a], [b]) => a.localeCompare(b)).map(([partition, version]) => ({ partition, version }));
}

/**
 * The schema version a job records, with its changes when this job created it (`created`: the
 * version it committed, or one an earlier attempt of it did): functions/notify.ts announces them.
 */
function schemaOfJob(schema: CleanResult["schema"], created: SchemaDocument | undefined) {
  return created ? { version: created.version, hash: created.hash, changes: created.changes } : { version: schema.version, hash: schema.hash };
}
