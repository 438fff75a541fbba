/**
 * QuickSight's SPICE quota: a dataset may be ingested at most 32 times in a rolling 24 hours on
 * Enterprise edition (8 on Standard), API calls included. Publishing gold after every upload
 * would exhaust it by mid-morning, so refreshes are coalesced: at most one per dataset per
 * interval, 45 minutes by default (24 h / 45 min = 32). A publish inside the interval leaves the
 * dataset `pending`; the next publish past the interval refreshes it with everything since, and
 * the hourly sweep refreshes a dataset still pending once its interval has passed, so the last
 * changes of a day never wait for the next day's first publish. The job history dataset (`jobs`)
 * changes with every job: the sweep refreshes it once per interval at most (24 a day).
 */
export const SPICE_DAILY_INGESTIONS = 32;

/** The default interval between two refreshes of one dataset, in minutes. */
export const DEFAULT_REFRESH_MINUTES = (24 * 60) / SPICE_DAILY_INGESTIONS;

/** The latest last-refresh time that lets a refresh run now. */
export function refreshCutoff(now: number, intervalMinutes: number): number {
  return now - intervalMinutes * 60_000;
}

/** The QuickSight dataset id of a catalog table, as stacks/quicksight.ts names it. */
export function quicksightDataSetId(prefix: string, table: string): string {
  return `${prefix}-${table}`;
}
