import { lakeLifecycle, rawLifecycle, retention, type LifecycleRule } from "./retention.ts";

/** Every layer's retention, from the deploy environment (stacks/retention.ts; the README lists the variables). */
export const keep = retention();

/**
 * SST's Bucket already blocks public access and denies any request without TLS
 * (`enforceHttps`, on by default). CORS is off: no browser reads these buckets, and SST would
 * otherwise allow every origin. Stages that retain their data never empty a bucket on removal.
 */
function secureBucket(name: string, args: { versioning?: boolean; lifecycle: LifecycleRule[] }) {
  const bucket = new sst.aws.Bucket(name, {
    versioning: args.versioning,
    enforceHttps: true,
    cors: false,
    transform: {
      bucket: (b) => {
        b.forceDestroy = $app.removal === "remove";
      },
    },
  });
  // S3 encrypts new objects with its own keys by default; declared so the stack states it.
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}Encryption`, {
    bucket: bucket.name,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });
  // SST's own lifecycle rules know neither noncurrent versions nor incomplete uploads.
  new aws.s3.BucketLifecycleConfiguration(`${name}Lifecycle`, { bucket: bucket.name, rules: args.lifecycle });
  return bucket;
}

/**
 * Uploads land here. Versioned: an upload overwritten by a newer one, or deleted from `incoming/`
 * by archive, stays recoverable for the retention (`ETL_RETENTION_DAYS`, at least the redrive
 * window plus a margin), and each delivery carries the version id that identifies it. Archived
 * uploads expire after `ETL_RETENTION_ARCHIVED_DAYS`.
 */
export const rawBucket = secureBucket("Raw", { versioning: true, lifecycle: rawLifecycle(keep) });

/** S3 events go to EventBridge, where one rule per consumer filters by prefix (stacks/uploadTrigger.ts). */
export const rawBucketEvents = new aws.s3.BucketNotification("RawEvents", {
  bucket: rawBucket.name,
  eventbridge: true,
});

/**
 * Bronze, silver, gold, quarantine and the manifests. Outputs staged by an attempt that never
 * committed (a failed job) stay as long as a redrive may still adopt them, then go; bronze,
 * quarantine and the job history after their own retention.
 */
export const lakeBucket = secureBucket("Lake", { lifecycle: lakeLifecycle(keep) });
