import * as v from "valibot";

/**
 * What turns an execution's input into a replay: the job it re-processes and the copy of that
 * version's bytes to read (its bronze copy, or `archived/<key>` when bronze is gone). S3 never
 * sends this field; only `etl replay` (as the operator) starts such executions.
 */
export const ReplayRequestSchema = v.object({
  /** The replay's own job id: a new job, never taken for a duplicate delivery of the version. */
  jobId: v.string(),
  /** The job whose version is re-processed; its record is left as it is. */
  of: v.string(),
  dataset: v.string(),
  from: v.object({ bucket: v.string(), key: v.string() }),
});
/** A replay's request. */
export type ReplayRequest = v.InferOutput<typeof ReplayRequestSchema>;

/**
 * What turns an execution's input into a retract: an empty version of the source key, committed
 * after the version it retracts (docs/ops.md), so its rows leave silver and quarantine and gold
 * is recomputed without them.
 */
export const RetractRequestSchema = v.object({
  jobId: v.string(),
  dataset: v.string(),
  /** The job whose version was committed when the retract was asked for. */
  of: v.string(),
  /** An erasure: bronze copies, staging and every version of the raw key go too (default); false keeps them (`--keep-raw`). */
  erase: v.boolean(),
  /** Every job of the key: their bronze copies and staging are what an erasure removes from the lake. */
  jobs: v.array(v.string()),
});
/** A retract's request. */
export type RetractRequest = v.InferOutput<typeof RetractRequestSchema>;
