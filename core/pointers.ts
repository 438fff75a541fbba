import * as v from "valibot";
import { JobRefSchema } from "./job/jobRecord.ts";

/** An S3 object address: what steps hand each other instead of data. */
export const ObjectRefSchema = v.object({ bucket: v.string(), key: v.string() });

/** Extract's pointer for a new delivery (or a replay of one): the job, its bronze copy and what the file is. */
export const UploadExtractedSchema = v.object({
  skipped: v.literal(false),
  superseded: v.literal(false),
  job: JobRefSchema,
  bronze: ObjectRefSchema,
  format: v.picklist(["csv", "json", "ndjson", "parquet"]),
  compression: v.picklist(["none", "gzip"]),
});

/** Extract's pointer for a retract: nothing to read; clean commits an empty version of the key. */
export const RetractExtractedSchema = v.object({
  skipped: v.literal(false),
  superseded: v.literal(false),
  job: JobRefSchema,
  retract: v.literal(true),
});

/** What the steps after extract get: an upload to clean, or a retract. */
export const ExtractedSchema = v.union([UploadExtractedSchema, RetractExtractedSchema]);

/**
 * Extract's pointer: a new delivery or a retract, or one that ends the execution: a duplicate
 * delivery (`skipped`), or an upload older than the key's committed version (`superseded`).
 */
export const ExtractOutputSchema = v.union([
  v.object({ skipped: v.literal(true), superseded: v.boolean(), job: JobRefSchema }),
  UploadExtractedSchema,
  RetractExtractedSchema,
]);

/**
 * Clean's pointer: its manifest, the row accounting, and whether the job ends here because a
 * newer version of the key is committed (`superseded`, nothing changed in silver).
 */
export const CleanOutputSchema = v.object({
  manifest: ObjectRefSchema,
  superseded: v.boolean(),
  inputRows: v.number(),
  silverRows: v.number(),
  partitions: v.number(),
});

/** Aggregate's pointer: the staged gold partitions, listed in its manifest. */
export const AggregateOutputSchema = v.object({ manifest: ObjectRefSchema, goldRows: v.number() });

/** Load's pointer: the published gold partitions. */
export const LoadOutputSchema = v.object({ manifest: ObjectRefSchema, goldRows: v.number() });

/** Archive's pointer: where the upload went. */
export const ArchiveOutputSchema = v.object({ archived: ObjectRefSchema });

/** The silver and quarantine objects one version of a source key writes, and its day partitions. */
export const SourceManifestSchema = v.object({
  jobId: v.string(),
  dataset: v.string(),
  sourceId: v.string(),
  silver: v.array(v.string()),
  quarantine: v.array(v.string()),
  partitions: v.array(v.string()),
});

/** A silver partition and the version a commit gave it. */
export const PartitionVersionSchema = v.object({ partition: v.string(), version: v.number() });

/** What clean did for a job: the objects it committed, and every partition it changed with its version. */
export const CleanManifestSchema = v.object({
  jobId: v.string(),
  /** `committed`: this job's version is the key's; `superseded`: a newer version is, and this job only undid its own objects. */
  outcome: v.picklist(["committed", "superseded"]),
  silver: v.array(v.string()),
  quarantine: v.array(v.string()),
  /** Day partitions whose rows changed (this version's and those of the versions it replaced), to recompute gold. */
  partitions: v.array(PartitionVersionSchema),
});

/** One gold partition a job computed from a silver version: staged for load, or gone empty and to be removed. */
export const StagedGoldSchema = v.object({
  model: v.string(),
  partition: v.string(),
  version: v.number(),
  staged: v.optional(v.string()),
  rows: v.number(),
});

/** The gold partitions a job computed. */
export const AggregateManifestSchema = v.object({ jobId: v.string(), gold: v.array(StagedGoldSchema) });

/** The gold objects a job published. */
export const LoadManifestSchema = v.object({
  jobId: v.string(),
  gold: v.array(v.string()),
  removed: v.array(v.string()),
  /** Rows of the partitions this job published (a newer job publishes the others). */
  goldRows: v.number(),
});

export type ExtractOutput = v.InferOutput<typeof ExtractOutputSchema>;
export type CleanOutput = v.InferOutput<typeof CleanOutputSchema>;
export type AggregateOutput = v.InferOutput<typeof AggregateOutputSchema>;
export type LoadOutput = v.InferOutput<typeof LoadOutputSchema>;
export type ArchiveOutput = v.InferOutput<typeof ArchiveOutputSchema>;
export type CleanManifest = v.InferOutput<typeof CleanManifestSchema>;
export type SourceManifest = v.InferOutput<typeof SourceManifestSchema>;
export type PartitionVersion = v.InferOutput<typeof PartitionVersionSchema>;
export type AggregateManifest = v.InferOutput<typeof AggregateManifestSchema>;
export type LoadManifest = v.InferOutput<typeof LoadManifestSchema>;
