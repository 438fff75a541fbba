/** Log levels, least to most severe. */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

/**
 * Structured logs, one JSON object a line on stderr: CloudWatch keeps them in Lambda, and the
 * local CLI keeps stdout for its results. `ETL_LOG_LEVEL` sets the threshold (default info).
 */
export class Logger {
  constructor(private readonly context: Record<string, unknown> = {}) {}

  /** A logger that adds fields to every line (step, job id). */
  with(fields: Record<string, unknown>): Logger {
    return new Logger({ ...this.context, ...fields });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write("error", message, fields);
  }

  private write(level: Level, message: string, fields?: Record<string, unknown>): void {
    const threshold = LEVELS[(process.env.ETL_LOG_LEVEL as Level) ?? "info"] ?? LEVELS.info;
    if (LEVELS[level] < threshold) return;
    const line = { level, time: new Date().toISOString(), message, ...this.context, ...fields };
    process.stderr.write(`${JSON.stringify(line, (_k, value) => (typeof value === "bigint" ? Number(value) : value))}\n`);
  }
}

/** The root logger. */
export const logger = new Logger();
