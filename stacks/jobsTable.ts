/**
 * The job ledger: one item per job. The indexes serve `etl jobs` by status and by dataset, newest
 * first; finished jobs expire through `expires_at` (epoch seconds).
 */
export const jobsTable = new sst.aws.Dynamo("Jobs", {
  fields: { job_id: "string", status: "string", dataset: "string", started_at: "string" },
  primaryIndex: { hashKey: "job_id" },
  globalIndexes: {
    by_status: { hashKey: "status", rangeKey: "started_at" },
    by_dataset: { hashKey: "dataset", rangeKey: "started_at" },
  },
  ttl: "expires_at",
  deletionProtection: $app.removal !== "remove",
  transform: {
    // SST enables both today; stated so that a change of default cannot drop them silently.
    table: { billingMode: "PAY_PER_REQUEST", pointInTimeRecovery: { enabled: true } },
  },
});
