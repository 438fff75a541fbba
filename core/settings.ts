import * as v from "valibot";
import { largestFile } from "./job/fileLimits.ts";

/** The environment every handler reads its resource names from; stacks/ and local/ set the same names. */
export const SettingsSchema = v.object({
  ETL_RAW_BUCKET: v.pipe(v.string(), v.minLength(3)),
  ETL_LAKE_BUCKET: v.pipe(v.string(), v.minLength(3)),
  ETL_JOBS_TABLE: v.pipe(v.string(), v.minLength(3)),
  /** The outputs table: which version of each shared output (a source key's rows, a silver or gold partition) is current. */
  ETL_OUTPUTS_TABLE: v.pipe(v.string(), v.minLength(3)),
  ETL_ALERTS_TOPIC_ARN: v.pipe(v.string(), v.startsWith("arn:")),
  /** The Glue database whose tables the load step keeps equal to the lake (the deployment creates it). */
  ETL_GLUE_DATABASE: v.pipe(v.string(), v.regex(/^[a-z0-9_]{1,255}$/)),
  /** The SST stage the functions belong to (set on AWS only): the alert's `etl` commands name it with `--stage`. */
  ETL_STAGE: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/))),
  /** With `quicksight.mode: "spice"`: the account and dataset id prefix (`<app>-<stage>`) whose SPICE datasets load refreshes. */
  ETL_QUICKSIGHT_ACCOUNT_ID: v.optional(v.pipe(v.string(), v.regex(/^\d{12}$/))),
  ETL_QUICKSIGHT_DATASET_PREFIX: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Largest raw (and decompressed) file a job accepts, in bytes: by default what the largest function handles (core/job/fileLimits.ts). */
  ETL_MAX_FILE_BYTES: v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1)), String(largestFile().bytes)),
  /** Scratch space for DuckDB and downloads: Lambda's only writable place is /tmp. */
  ETL_SCRATCH_DIR: v.optional(v.string(), "/tmp/etl"),
  /** Days a job that ended SUCCESS or SUPERSEDED stays in the table before its TTL removes it (FAILED: core/job/retention.ts). */
  ETL_JOB_TTL_DAYS: v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1)), "90"),
});

/** The validated environment. */
export type Settings = v.InferOutput<typeof SettingsSchema>;

/** Reads and validates the environment; a missing name fails with the list of what is wrong. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const result = v.safeParse(SettingsSchema, env);
  if (!result.success) {
    const issues = result.issues.map((i) => `${v.getDotPath(i) ?? "?"}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment for the ETL functions: ${issues}`);
  }
  return result.output;
}
