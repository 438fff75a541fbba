import * as v from "valibot";
import { JobRefSchema } from "./job/jobRecord.ts";

/** An S3 object address: what steps hand each other instead of data. */
export const ObjectRefSchema = v.object({ bucket: v.string(), key: v.string() });

/** Extract's pointer for a new delivery: the job, its bronze copy and what the file is. */
export const ExtractedSchema = v.object({
  skipped: v.literal(false),
  job: JobRefSchema,
  bronze: ObjectRefSchema,
  format: v.picklist(["csv", "json", "ndjson", "parquet"]),
  compression: v.picklist(["none", "gzip"]),
});

/** Extract's pointer: a new delivery, or a duplicate one that ends the execution. */
export const ExtractOutputSchema = v.variant("skipped", [v.object({ skipped: v.literal(true), job: JobRefSchema }), ExtractedSchema]);

/** Clean's pointer: its manifest of written keys, and the row accounting. */
export const CleanOutputSchema = v.object({
  manifest: ObjectRefSchema,
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

/** The keys clean wrote for a job (also kept per source key to replace them on re-upload). */
export const CleanManifestSchema = v.object({
  jobId: v.string(),
  silver: v.array(v.string()),
  quarantine: v.array(v.string()),
  /** Day partitions whose rows changed: the new ones and those the previous upload of the key had. */
  partitions: v.array(v.string()),
});

/** One gold partition a job computed: staged for load, or gone empty and to be removed. */
export const StagedGoldSchema = v.object({
  model: v.string(),
  partition: v.string(),
  staged: v.optional(v.string()),
  rows: v.number(),
});

/** The gold partitions a job computed. */
export const AggregateManifestSchema = v.object({ jobId: v.string(), gold: v.array(StagedGoldSchema) });

/** The gold objects a job published. */
export const LoadManifestSchema = v.object({ jobId: v.string(), gold: v.array(v.string()), removed: v.array(v.string()) });

export type ExtractOutput = v.InferOutput<typeof ExtractOutputSchema>;
export type CleanOutput = v.InferOutput<typeof CleanOutputSchema>;
export type AggregateOutput = v.InferOutput<typeof AggregateOutputSchema>;
export type LoadOutput = v.InferOutput<typeof LoadOutputSchema>;
export type ArchiveOutput = v.InferOutput<typeof ArchiveOutputSchema>;
export type CleanManifest = v.InferOutput<typeof CleanManifestSchema>;
export type AggregateManifest = v.InferOutput<typeof AggregateManifestSchema>;
export type LoadManifest = v.InferOutput<typeof LoadManifestSchema>;
