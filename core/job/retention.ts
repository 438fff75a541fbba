/** Days Step Functions lets a failed Standard execution be redriven. */
export const REDRIVE_WINDOW_DAYS = 14;

/**
 * Days a FAILED job stays in the table: past the redrive window, so a redriven job still finds
 * its record (and its attempt count) however late within the window it comes back.
 */
export const FAILED_JOB_TTL_DAYS = 30;

/**
 * Days staged outputs (silver and gold under `staging/`) are kept before the lake's lifecycle
 * rule removes them: longer than a FAILED job lives, so a redrive never finds its staging gone.
 */
export const STAGING_RETENTION_DAYS = FAILED_JOB_TTL_DAYS + 1;
