import * as v from "valibot";
import { STEPS } from "../steps.ts";
import { StatsSchema } from "./stats.ts";

/**
 * Job statuses. `SUPERSEDED`: a newer upload of the same key is what the lake shows, so this
 * one changed nothing (or undid what it had added). `SKIPPED` is what a duplicate delivery of
 * a job reports; the job's own record keeps its status.
 */
export const JobStatusSchema = v.picklist(["RUNNING", "SUCCESS", "FAILED", "SKIPPED", "SUPERSEDED"]);
/** A job status. */
export type JobStatus = v.InferOutput<typeof JobStatusSchema>;

/** Statuses nothing changes any more; FAILED is not one of them: a redrive takes it back to RUNNING. */
export const FINAL_STATUSES = ["SUCCESS", "SKIPPED", "SUPERSEDED"] as const satisfies readonly JobStatus[];

/** The raw object a job processes, identified down to the delivery (docs/design.md decision 8). */
export const SourceSchema = v.object({
  bucket: v.string(),
  key: v.string(),
  etag: v.optional(v.string()),
  size: v.optional(v.number()),
  versionId: v.optional(v.string()),
  sequencer: v.optional(v.string()),
});
/** A job's source object. */
export type Source = v.InferOutput<typeof SourceSchema>;

/** What a job that ended in FAILED tells a person. */
export const JobErrorSchema = v.object({ type: v.string(), message: v.string(), step: v.string() });
/** A job's error. */
export type JobError = v.InferOutput<typeof JobErrorSchema>;

/** A column as the job read it: the file's header, the silver name, the stored type and the text layout it was read with. */
export const ColumnMappingSchema = v.object({ original: v.string(), name: v.string(), type: v.string(), format: v.optional(v.string()) });
/** One column mapping. */
export type ColumnMapping = v.InferOutput<typeof ColumnMappingSchema>;

/** When one step ran, as the job record keeps it: the last attempt's start, and its end once it ended. */
export const StepTimingSchema = v.object({
  startedAt: v.string(),
  finishedAt: v.optional(v.string()),
  durationMs: v.optional(v.number()),
  /** The attempt ended in an error (the job's error names it). */
  failed: v.optional(v.boolean()),
  /** The function's configured memory, and what the attempt used of Lambda: duration × memory. */
  memoryMb: v.optional(v.number()),
  gbSeconds: v.optional(v.number()),
  /** What the step moved through S3 itself (core/io/transferMeter.ts): server-side copies are not in it. */
  bytesRead: v.optional(v.number()),
  bytesWritten: v.optional(v.number()),
  /** Data files (Parquet) the step uploaded, and their bytes. */
  filesWritten: v.optional(v.number()),
  fileBytesWritten: v.optional(v.number()),
});
/** One step's timing. */
export type StepTiming = v.InferOutput<typeof StepTimingSchema>;

/** What a retract job removed. */
export const RetractedSchema = v.object({ key: v.string(), of: v.string(), erased: v.boolean() });

/** The job document in the jobs table, validated on read; `version` changes with its shape. */
export const JobRecordSchema = v.object({
  version: v.literal(1),
  job_id: v.string(),
  status: JobStatusSchema,
  dataset: v.string(),
  step: v.picklist([...STEPS, "fail"]),
  source: SourceSchema,
  execution_id: v.string(),
  started_at: v.string(),
  updated_at: v.string(),
  finished_at: v.optional(v.string()),
  /** When the table's TTL removes the job (epoch seconds); set when it reaches a final status or FAILED, never while it runs. */
  expires_at: v.optional(v.number()),
  attempts: v.number(),
  format: v.optional(
    v.object({
      format: v.string(),
      compression: v.string(),
      encoding: v.optional(v.string()),
      /** Invalid UTF-8 sequences the file held (each became U+FFFD; quarantined or kept per the dataset's `invalidBytes`). */
      invalidSequences: v.optional(v.number()),
      dialect: v.optional(
        v.object({ delimiter: v.string(), quote: v.string(), escape: v.string(), newline: v.string(), header: v.boolean() }),
      ),
    }),
  ),
  columns: v.optional(v.array(ColumnMappingSchema)),
  /** Columns the `discard` schema mode dropped, as the file named them. */
  discardedColumns: v.optional(v.array(v.string())),
  /** Violations per expectation (type and declared rules), with the action each took. */
  expectations: v.optional(
    v.array(v.object({ column: v.string(), rule: v.string(), action: v.string(), violations: v.number() })),
  ),
  stats: StatsSchema,
  /** CSV lines that are not data (preamble, blank, comment lines): how many, and the first few. */
  skippedLines: v.optional(v.object({ count: v.number(), first: v.array(v.object({ line: v.number(), text: v.string() })) })),
  /** The dataset schema version the file was read against (or created), and what a new version changed. */
  schema: v.optional(
    v.object({
      version: v.number(),
      hash: v.string(),
      changes: v.optional(v.array(v.object({ column: v.string(), kind: v.string(), from: v.optional(v.string()), to: v.string() }))),
    }),
  ),
  manifests: v.optional(v.record(v.string(), v.string())),
  /** Per step, when it last ran and how long it took (absent on records from before it was kept). */
  steps: v.optional(v.record(v.string(), StepTimingSchema)),
  error: v.optional(JobErrorSchema),
  /** When the failure alert went out; absent while a FAILED job still owes one. */
  alerted_at: v.optional(v.string()),
  /** A replay's: the job whose version it re-processed (`etl replay`). */
  replayOf: v.optional(v.string()),
  /** A retract's: the key, the job whose version it retracted, and whether the raw copies were erased (`etl retract`). */
  retracted: v.optional(RetractedSchema),
});
/** A job record. */
export type JobRecord = v.InferOutput<typeof JobRecordSchema>;

/** The pointer every step passes on: enough to find the job and its source, never data. */
export const JobRefSchema = v.object({
  jobId: v.string(),
  dataset: v.string(),
  source: SourceSchema,
  sourceId: v.string(),
  startedAt: v.string(),
  /** A replay re-processes another job's version of the key. */
  replayOf: v.optional(v.string()),
  /** A retract commits an empty version of the key after the one it retracts (core/commit/sequencer.ts `versionOrder`). */
  retract: v.optional(v.object({ of: v.string(), erase: v.boolean(), jobs: v.array(v.string()) })),
});
/** A job pointer. */
export type JobRef = v.InferOutput<typeof JobRefSchema>;
