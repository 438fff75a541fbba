import { REDRIVE_WINDOW_DAYS, STAGING_RETENTION_DAYS } from "../core/job/retention.ts";
import { LAKE_PREFIXES } from "../core/lake/layout.ts";
/** Kept beyond the window, so a redrive on its last day still finds what it reads. */
const MARGIN_DAYS = 7;

/** How long what a redrive or a recovery needs is kept, in days. */
export type Retention = {
  /** Raw versions once replaced or deleted (archive deletes the upload it moved). */
  noncurrentVersionDays: number;
  /** Staged outputs of an attempt that never committed. */
  stagingDays: number;
  /** Multipart uploads never completed (a killed upload keeps its parts, billed, otherwise). */
  incompleteUploadDays: number;
};

/**
 * The retention, from `ETL_RETENTION_DAYS` at deploy time (default 30). It may not be shorter
 * than the redrive window plus a margin: a redriven job must find the version it reads and
 * the outputs it staged.
 */
export function retention(env: Record<string, string | undefined> = process.env): Retention {
  const minimum = REDRIVE_WINDOW_DAYS + MARGIN_DAYS;
  const raw = env.ETL_RETENTION_DAYS ?? "30";
  const days = Number(raw);
  if (!Number.isInteger(days) || days < minimum) {
    throw new Error(`ETL_RETENTION_DAYS must be a whole number of days of at least ${minimum} (the ${REDRIVE_WINDOW_DAYS}-day redrive window plus ${MARGIN_DAYS}), not ${raw}`);
  }
  // Staging outlives a FAILED job's record (core/job/retention.ts), whatever the retention says.
  return { noncurrentVersionDays: days, stagingDays: Math.max(days, STAGING_RETENTION_DAYS), incompleteUploadDays: 7 };
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

/**
 * The raw bucket is versioned: replaced and archived uploads stay recoverable for the retention,
 * then go, and so do the delete markers left with no version behind them.
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
    abortIncomplete(r),
  ];
}

/** Staged outputs that no commit adopted (a failed job not redriven) go once the redrive window has passed. */
export function lakeLifecycle(r: Retention): LifecycleRule[] {
  return [
    { id: "expire-staging", status: "Enabled", filter: { prefix: LAKE_PREFIXES.staging }, expiration: { days: r.stagingDays } },
    abortIncomplete(r),
  ];
}
