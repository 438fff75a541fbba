import type { JobRecord } from "../job/jobRecord.ts";

/**
 * One row of the job history (the `jobs` table): a terminal transition of a job, flat, so Athena
 * and QuickSight chart success rates, durations and rows without reading DynamoDB.
 */
export type JobHistoryRow = {
  job_id: string;
  status: string;
  dataset: string;
  source_bucket: string;
  source_key: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  attempts: number;
  input_rows: number;
  silver_rows: number;
  duplicate_rows: number;
  quarantined_rows: number;
  dropped_rows: number;
  gold_rows: number;
  error_type: string | null;
  error_step: string | null;
  error_message: string | null;
  execution_id: string;
};

/** The history table's columns, in the row's order, with their DuckDB types. */
export const JOB_HISTORY_COLUMNS: { name: keyof JobHistoryRow; type: string }[] = [
  { name: "job_id", type: "VARCHAR" },
  { name: "status", type: "VARCHAR" },
  { name: "dataset", type: "VARCHAR" },
  { name: "source_bucket", type: "VARCHAR" },
  { name: "source_key", type: "VARCHAR" },
  { name: "started_at", type: "TIMESTAMP WITH TIME ZONE" },
  { name: "finished_at", type: "TIMESTAMP WITH TIME ZONE" },
  { name: "duration_ms", type: "BIGINT" },
  { name: "attempts", type: "BIGINT" },
  { name: "input_rows", type: "BIGINT" },
  { name: "silver_rows", type: "BIGINT" },
  { name: "duplicate_rows", type: "BIGINT" },
  { name: "quarantined_rows", type: "BIGINT" },
  { name: "dropped_rows", type: "BIGINT" },
  { name: "gold_rows", type: "BIGINT" },
  { name: "error_type", type: "VARCHAR" },
  { name: "error_step", type: "VARCHAR" },
  { name: "error_message", type: "VARCHAR" },
  { name: "execution_id", type: "VARCHAR" },
];

/** The history row of a job as it ended (`finished_at` falls back to the last update). */
export function jobHistoryRow(job: JobRecord): JobHistoryRow {
  const finished = job.finished_at ?? job.updated_at;
  return {
    job_id: job.job_id,
    status: job.status,
    dataset: job.dataset,
    source_bucket: job.source.bucket,
    source_key: job.source.key,
    started_at: job.started_at,
    finished_at: finished,
    duration_ms: Math.max(0, Date.parse(finished) - Date.parse(job.started_at)),
    attempts: job.attempts,
    input_rows: job.stats.inputRows,
    silver_rows: job.stats.silverRows,
    duplicate_rows: job.stats.duplicateRows,
    quarantined_rows: job.stats.quarantinedRows,
    dropped_rows: job.stats.droppedRows,
    gold_rows: job.stats.goldRows,
    error_type: job.error?.type ?? null,
    error_step: job.error?.step ?? null,
    error_message: job.error?.message ?? null,
    execution_id: job.execution_id,
  };
}

/**
 * Where a transition's row goes: partitioned by the day it ended, one object per job, status and
 * attempt, so a redriven job's later SUCCESS is a row of its own and a retried write replaces
 * only itself.
 */
export function jobHistoryKey(prefix: string, row: JobHistoryRow, attempt: number): string {
  const [year, month, day] = row.finished_at.slice(0, 10).split("-");
  return `${prefix}year=${year}/month=${month}/day=${day}/${row.job_id}.${row.status.toLowerCase()}.${attempt}.json`;
}
