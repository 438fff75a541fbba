import { jobHistoryKey, jobHistoryRow } from "../catalog/jobHistory.ts";
import type { JobRecord } from "../job/jobRecord.ts";
import { LAKE_PREFIXES } from "../lake/layout.ts";
import type { ObjectStore } from "./objectStore.ts";

/**
 * Writes the job's terminal transition (SUCCESS, FAILED, SKIPPED, SUPERSEDED) as one JSON line under
 * `job_history/`: the catalog's `jobs` table. Keyed by job, status and attempt, so a retried
 * call replaces its own row and a redriven job's later end is a row of its own.
 */
export async function recordJobHistory(store: ObjectStore, lakeBucket: string, job: JobRecord): Promise<string> {
  const row = jobHistoryRow(job);
  const key = jobHistoryKey(LAKE_PREFIXES.jobHistory, row, job.attempts);
  // One object on one line: a JSON-lines file of one row, as Athena's JSON SerDe reads it.
  await store.putJson({ bucket: lakeBucket, key }, row);
  return key;
}
