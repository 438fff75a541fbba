/**
 * What the deployment creates for readers of the lake: the Glue database (its tables belong to
 * the pipeline, which creates and updates them from config and the stored schema, so a later
 * deploy never reverts one), the Athena workgroup and the bucket of its query results.
 */

/** Query results are scratch: kept a week, then expired. */
const RESULTS_DAYS = 7;
/** A query scanning more than this is cancelled: a forgotten `SELECT *` over silver costs at most this. */
const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

/** Glue names are lower case with underscores: `medallion_etl_dev`. */
const databaseName = `${$app.name}_${$app.stage}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");

export const glueDatabase = new aws.glue.CatalogDatabase("Catalog", {
  name: databaseName,
  description: "Silver, gold, quarantine and job history tables of the lake; written by the pipeline's load step.",
});

export const athenaResults = new sst.aws.Bucket("AthenaResults", {
  enforceHttps: true,
  lifecycle: [{ id: "expire-query-results", expiresIn: `${RESULTS_DAYS} days` }],
  transform: {
    bucket: (b) => {
      b.forceDestroy = $app.removal === "remove";
    },
  },
});

new aws.s3.BucketServerSideEncryptionConfiguration("AthenaResultsEncryption", {
  bucket: athenaResults.name,
  rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
});

export const athenaWorkgroup = new aws.athena.Workgroup("Athena", {
  name: `${databaseName}`,
  forceDestroy: $app.removal === "remove",
  configuration: {
    enforceWorkgroupConfiguration: true,
    publishCloudwatchMetricsEnabled: true,
    bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
    engineVersion: { selectedEngineVersion: "Athena engine version 3" },
    resultConfiguration: {
      outputLocation: $interpolate`s3://${athenaResults.name}/results/`,
      encryptionConfiguration: { encryptionOption: "SSE_S3" },
    },
  },
});
