import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import * as v from "valibot";
import { checkInferredCap, isInferred, matchDataset } from "../core/config/matchDataset.ts";
import { Engine } from "../core/engine/engine.ts";
import { gunzipFile } from "../core/format/compression.ts";
import { withScratch } from "../core/io/scratch.ts";
import { lake, LAKE_PREFIXES } from "../core/lake/layout.ts";
import { commitSource } from "../core/commit/commitSource.ts";
import { versionOrder } from "../core/commit/sequencer.ts";
import { stageSource } from "../core/commit/stageSource.ts";
import { EMPTY_STATS, type Stats } from "../core/job/stats.ts";
import { ExtractedSchema, type CleanManifest, type CleanOutput, type SourceManifest } from "../core/pointers.ts";
import { cleanFile, type CleanResult } from "../core/silver/cleanFile.ts";
import { commitSchema, latestSchema, schemaVersions } from "../core/schema/commitSchema.ts";
import { conformSilver, type ConformInput } from "../core/commit/conformSilver.ts";
import type { SchemaDocument } from "../core/schema/schemaDocument.ts";
import type { PartitionVersion } from "../core/pointers.ts";
import type { Dataset } from "../core/config/dataset.ts";
import type { JobRef } from "../core/job/jobRecord.ts";
import { compactCrowded } from "../core/compact/compactCrowded.ts";
import { recordJobHistory } from "../core/io/catalogJobHistory.ts";
import { defineStep, type StepContext } from "./defineStep.ts";
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
  if ("retract" in extract) {
    // A retract is an empty version of the key: committing it retires the rows the key has now.
    const empty: SourceManifest = { jobId: job.jobId, dataset: dataset.name, sourceId: job.sourceId, silver: [], quarantine: [], partitions: [] };
    await ctx.store.putJson({ bucket: lakeBucket, key: lake.sourceManifest(empty.dataset, empty.sourceId, empty.jobId) }, empty);
    return commitVersion(ctx, job, dataset, empty, {
      record: async () => {
        await ctx.jobs.update(job.jobId, { stats: EMPTY_STATS });
        return EMPTY_STATS;
      },
    });
  }
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

  const { result } = cleaned;
  return commitVersion(ctx, job, dataset, cleaned.staged, {
    rewritten: cleaned.rewritten,
    // A version created after this file was read (by a job whose pass listed silver before this
    // commit) is this job's to apply to its own files, now that they are visible.
    afterCommit: async () => {
      const versions = await schemaVersions(ctx.store, lakeBucket, dataset.name);
      if ((versions.at(-1)?.version ?? 0) <= result.schema.version) return [];
      return withScratch(ctx.settings.ETL_SCRATCH_DIR, `${job.jobId}-conform`, async (dir) => {
        const engine = await Engine.open(ctx.engine(dir));
        try {
          return await conformSilver(conformInput(engine, dir, versions), cleaned.staged.silver);
        } finally {
          engine.close();
        }
      });
    },
    record: async (manifests) => {
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
        manifests,
      });
      return result.stats;
    },
  });
});

/**
 * Everything before only staged: from here the version replaces the key's earlier one, unless a
 * newer one did (core/commit/commitSource.ts). `rewritten` are partitions conformance changed
 * before the commit, `afterCommit` conforms the job's own files once visible, `record` writes
 * what the job learned into its record.
 */
async function commitVersion(
  ctx: StepContext,
  job: JobRef,
  dataset: Dataset,
  staged: SourceManifest,
  o: {
    rewritten?: readonly PartitionVersion[];
    afterCommit?: () => Promise<PartitionVersion[]>;
    record: (manifests: { clean: string }) => Promise<Pick<Stats, "inputRows" | "silverRows">>;
  },
): Promise<CleanOutput> {
  const lakeBucket = ctx.settings.ETL_LAKE_BUCKET;
  const compaction = {
    store: ctx.store,
    outputs: ctx.outputs,
    bucket: lakeBucket,
    rawBucket: ctx.settings.ETL_RAW_BUCKET,
    scratchDir: ctx.settings.ETL_SCRATCH_DIR,
    engine: ctx.engine,
    targetBytes: dataset.compaction.targetMb * 1024 * 1024,
  };
  const commit = await commitSource({
    store: ctx.store,
    outputs: ctx.outputs,
    bucket: lakeBucket,
    sequencer: versionOrder(job),
    manifest: staged,
    compaction,
  });
  const committed = commit.outcome === "committed";
  const own = committed && o.afterCommit ? await o.afterCommit() : [];
  let partitions = newest([...commit.partitions, ...(o.rewritten ?? []), ...own]);
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
    silver: committed ? staged.silver : [],
    quarantine: committed ? staged.quarantine : [],
    partitions,
  };
  const jobManifest = { bucket: lakeBucket, key: lake.jobManifest(job.jobId, "clean") };
  await ctx.store.putJson(jobManifest, manifest);
  const stats = await o.record({ clean: jobManifest.key });
  // Superseded with nothing to recompute: the job ends here; otherwise gold follows what changed.
  const superseded = !committed && !manifest.partitions.length;
  if (superseded) {
    await ctx.jobs.finish(job.jobId, "SUPERSEDED");
    await recordJobHistory(ctx.store, lakeBucket, (await ctx.jobs.get(job.jobId))!);
  }
  ctx.log.info(committed ? "silver committed" : "superseded by a newer upload of the key", {
    ...stats,
    files: manifest.silver.length,
    partitions: manifest.partitions.length,
  });
  return {
    manifest: jobManifest,
    superseded,
    inputRows: stats.inputRows,
    silverRows: stats.silverRows,
    partitions: manifest.partitions.length,
  };
}

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
