import { JOBS_BY_DATASET_INDEX, JOBS_BY_STATUS_INDEX } from "../core/job/jobIndexes.ts";

/**
 * The job ledger: one item per job. The indexes serve `etl jobs` by status and by dataset, newest
 * first (the sweep finds stuck jobs by status); a job expires through `expires_at` (epoch seconds),
 * set when it ends: SUCCESS or SUPERSEDED after ETL_JOB_TTL_DAYS, FAILED after the redrive window
 * (core/job/retention.ts). Point-in-time recovery restores the ledger to any second of the last 35 days.
 */
export const jobsTable = new sst.aws.Dynamo("Jobs", {
  fields: { job_id: "string", status: "string", dataset: "string", started_at: "string" },
  primaryIndex: { hashKey: "job_id" },
  globalIndexes: {
    [JOBS_BY_STATUS_INDEX]: { hashKey: "status", rangeKey: "started_at" },
    [JOBS_BY_DATASET_INDEX]: { hashKey: "dataset", rangeKey: "started_at" },
  },
  ttl: "expires_at",
  deletionProtection: $app.removal !== "remove",
  transform: {
    // SST enables both today; stated so that a change of default cannot drop them silently.
    table: { billingMode: "PAY_PER_REQUEST", pointInTimeRecovery: { enabled: true } },
  },
});
