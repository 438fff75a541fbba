/** The jobs table's global secondary indexes, by status and by dataset, newest first (`started_at`). */
export const JOBS_BY_STATUS_INDEX = "by_status";
export const JOBS_BY_DATASET_INDEX = "by_dataset";
