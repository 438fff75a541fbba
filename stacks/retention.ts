import { REDRIVE_WINDOW_DAYS, STAGING_RETENTION_DAYS } from "../core/job/retention.ts";
import { LAKE_PREFIXES, RAW_PREFIXES } from "../core/lake/layout.ts";
/** Kept beyond the window, so a redrive on its last day still finds what it reads. */
const MARGIN_DAYS = 7;
/** The shortest retention of anything a redrive reads. */
const REDRIVE_MINIMUM_DAYS = REDRIVE_WINDOW_DAYS + MARGIN_DAYS;

/** How long each kind of object is kept, in days; `undefined` keeps it for good. */
export type Retention = {
  /** Raw versions once replaced or deleted (archive deletes the upload it moved). */
  noncurrentVersionDays: number;
  /** Staged outputs of an attempt that never committed. */
  stagingDays: number;
  /** Multipart uploads never completed (a killed upload keeps its parts, billed, otherwise). */
  incompleteUploadDays: number;
  /** Bronze: the copy of each upload clean reads (and a replay re-reads). */
  bronzeDays: number | undefined;
  /** Processed uploads under `archived/` in the raw bucket (a replay's source once bronze is gone). */
  archivedDays: number | undefined;
  /** Quarantined rows. */
  quarantineDays: number | undefined;
  /** The `job_history/` rows behind the catalog's `jobs` table. */
  jobHistoryDays: number | undefined;
  /** Jobs that ended SUCCESS or SUPERSEDED, in the jobs table (its TTL; a FAILED job keeps FAILED_JOB_TTL_DAYS). */
  jobTtlDays: number;
};

type Env = Record<string, string | undefined>;

/**
 * One layer's retention from the deploy environment: a whole number of days of at least
 * `minimum`, or `never` where keeping it for good is allowed. `why` says what the minimum protects.
 */
function days(env: Env, name: string, fallback: string, minimum: number, why: string, neverAllowed: boolean): number | undefined {
  const raw = env[name] ?? fallback;
  if (neverAllowed && raw === "never") return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < minimum) {
    throw new Error(`${name} must be a whole number of days of at least ${minimum}${why}${neverAllowed ? ", or never" : ""}, not ${raw}`);
  }
  return n;
}

/** The defaults of every layer, as the README states them. */
export const RETENTION_DEFAULTS = {
  ETL_RETENTION_DAYS: "30",
  ETL_RETENTION_BRONZE_DAYS: "30",
  ETL_RETENTION_ARCHIVED_DAYS: "365",
  ETL_RETENTION_QUARANTINE_DAYS: "90",
  ETL_RETENTION_JOB_HISTORY_DAYS: "400",
  ETL_JOB_TTL_DAYS: "90",
} as const;

/**
 * The retention, from the deploy environment (defaults in RETENTION_DEFAULTS). What a redrive
 * reads (raw versions via ETL_RETENTION_DAYS, bronze) may not be kept shorter than the redrive
 * window plus a margin: a redriven job must find the version it reads, its bronze copy and the
 * outputs it staged. The other layers take any number of days, or `never`.
 */
export function retention(env: Env = process.env): Retention {
  const d = RETENTION_DEFAULTS;
  const redrive = ` (the ${REDRIVE_WINDOW_DAYS}-day redrive window plus ${MARGIN_DAYS}: a redrive reads it)`;
  const noncurrent = days(env, "ETL_RETENTION_DAYS", d.ETL_RETENTION_DAYS, REDRIVE_MINIMUM_DAYS, redrive, false)!;
  return {
    noncurrentVersionDays: noncurrent,
    // Staging outlives a FAILED job's record (core/job/retention.ts), whatever the retention says.
    stagingDays: Math.max(noncurrent, STAGING_RETENTION_DAYS),
    incompleteUploadDays: 7,
    bronzeDays: days(env, "ETL_RETENTION_BRONZE_DAYS", d.ETL_RETENTION_BRONZE_DAYS, REDRIVE_MINIMUM_DAYS, redrive, true),
    archivedDays: days(env, "ETL_RETENTION_ARCHIVED_DAYS", d.ETL_RETENTION_ARCHIVED_DAYS, 1, "", true),
    quarantineDays: days(env, "ETL_RETENTION_QUARANTINE_DAYS", d.ETL_RETENTION_QUARANTINE_DAYS, 1, "", true),
    jobHistoryDays: days(env, "ETL_RETENTION_JOB_HISTORY_DAYS", d.ETL_RETENTION_JOB_HISTORY_DAYS, 1, "", true),
    jobTtlDays: days(env, "ETL_JOB_TTL_DAYS", d.ETL_JOB_TTL_DAYS, 1, "", false)!,
  };
}

/** One S3 lifecycle rule, in the shape `aws.s3.BucketLifecycleConfiguration` takes. */
export type LifecycleRule = {
  id: string;
  status: "Enabled";
  filter: { prefix?: string };
  expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
};

function abortIncomplete(r: Retention): LifecycleRule {
  return { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: r.incompleteUploadDays } };
}

/** Objects under `prefix` expire `days` after they were written; no rule when they are kept for good. */
function expire(id: string, prefix: string, days: number | undefined): LifecycleRule[] {
  return days === undefined ? [] : [{ id, status: "Enabled", filter: { prefix }, expiration: { days } }];
}

/**
 * The raw bucket is versioned: replaced and archived uploads stay recoverable for the retention,
 * then go, and so do the delete markers left with no version behind them. An archived upload
 * that expires becomes a noncurrent version, removed by the same rule after that retention.
 * `incoming/` never expires: an upload waiting there (a failed job's) is the user's file.
 */
export function rawLifecycle(r: Retention): LifecycleRule[] {
  return [
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: r.noncurrentVersionDays },
      expiration: { expiredObjectDeleteMarker: true },
    },
    ...expire("expire-archived", RAW_PREFIXES.archived, r.archivedDays),
    abortIncomplete(r),
  ];
}

/**
 * Staged outputs that no commit adopted (a failed job not redriven) go once the redrive window
 * has passed; bronze, quarantine and the job history after their own retention. Silver, gold,
 * the manifests and the schemas never expire: they are the lake.
 */
export function lakeLifecycle(r: Retention): LifecycleRule[] {
  return [
    { id: "expire-staging", status: "Enabled", filter: { prefix: LAKE_PREFIXES.staging }, expiration: { days: r.stagingDays } },
    ...expire("expire-bronze", LAKE_PREFIXES.bronze, r.bronzeDays),
    ...expire("expire-quarantine", LAKE_PREFIXES.quarantine, r.quarantineDays),
    ...expire("expire-job-history", LAKE_PREFIXES.jobHistory, r.jobHistoryDays),
    abortIncomplete(r),
  ];
}
