import { LAKE_PREFIXES } from "../core/lake/layout.ts";
import { STAGING_RETENTION_DAYS } from "../core/job/retention.ts";

/**
 * SST's Bucket already blocks public access and denies any request without TLS
 * (`enforceHttps`, on by default). Stages that retain their data never empty a bucket on removal.
 */
function secureBucket(name: string, args: { versioning?: boolean; lifecycle?: sst.aws.BucketArgs["lifecycle"] }) {
  const bucket = new sst.aws.Bucket(name, {
    ...args,
    enforceHttps: true,
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
  return bucket;
}

/**
 * Uploads land here. Versioned: an upload overwritten by a newer one, or deleted from `incoming/`
 * by archive, stays recoverable, and each delivery carries the version id that identifies it.
 */
export const rawBucket = secureBucket("Raw", { versioning: true });

/** S3 events go to EventBridge, where one rule per consumer filters by prefix (stacks/uploadTrigger.ts). */
export const rawBucketEvents = new aws.s3.BucketNotification("RawEvents", {
  bucket: rawBucket.name,
  eventbridge: true,
});

/**
 * Bronze, silver, gold, quarantine and the manifests. Staged outputs a job never committed (it
 * failed, or was superseded while killed) are dropped once no redrive can come for them.
 */
export const lakeBucket = secureBucket("Lake", {
  lifecycle: [{ id: "expire-staging", prefix: LAKE_PREFIXES.staging, expiresIn: `${STAGING_RETENTION_DAYS} days` }],
});
