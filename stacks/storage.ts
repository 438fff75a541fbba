import { LAKE_PREFIXES } from "./lakePrefixes.ts";

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
  // S3 encrypts new objects by default; declaring it keeps the setting visible and enforced.
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}Encryption`, {
    bucket: bucket.name,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });
  return bucket;
}

/** Uploads land here; versioned, so a job reads the exact version it was started for and nothing is lost to an overwrite. */
export const rawBucket = secureBucket("Raw", { versioning: true });

/** S3 events go to EventBridge, where one rule per consumer filters by prefix (stacks/uploadTrigger.ts). */
export const rawBucketEvents = new aws.s3.BucketNotification("RawEvents", {
  bucket: rawBucket.name,
  eventbridge: true,
});

/** Bronze, silver, gold and quarantine. Staged gold that load never published is dropped after a week. */
export const lakeBucket = secureBucket("Lake", {
  lifecycle: [{ id: "expire-gold-staging", prefix: LAKE_PREFIXES.goldStaging, expiresIn: "7 days" }],
});
