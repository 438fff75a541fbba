import { Console } from "node:console";
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";

let root: PowertoolsLogger | undefined;

/**
 * Powertools for AWS Lambda's logger, made on first use so the level the CLI sets is the one
 * read: `ETL_LOG_LEVEL` (the CLI's `--verbose` → info, else warn), else Powertools' own
 * `POWERTOOLS_LOG_LEVEL`, else info. In Lambda it prints as Powertools does (CloudWatch keeps
 * stdout); anywhere else every line goes to stderr, because the local CLI's stdout carries only
 * its results (`--json`).
 */
function base(): PowertoolsLogger {
  if (root) return root;
  const level = (process.env.ETL_LOG_LEVEL || process.env.POWERTOOLS_LOG_LEVEL || "info").toUpperCase() as LogLevel;
  root = new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "etl", logLevel: level });
  if (!process.env.AWS_LAMBDA_FUNCTION_NAME) {
    // Powertools offers no option for the stream; its console is the one seam it has.
    (root as unknown as { console: Console }).console = new Console({ stdout: process.stderr, stderr: process.stderr });
  }
  return root;
}

/** Structured JSON logs, one object a line, with the fields of `with` (step, job id) on every line. */
export class Logger {
  private readonly context: Record<string, unknown>;

  constructor(context: Record<string, unknown> = {}) {
    this.context = context;
  }

  /** A logger that adds fields to every line (step, job id). */
  with(fields: Record<string, unknown>): Logger {
    return new Logger({ ...this.context, ...fields });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    base().debug(message, { ...this.context, ...fields });
  }
  info(message: string, fields?: Record<string, unknown>): void {
    base().info(message, { ...this.context, ...fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    base().warn(message, { ...this.context, ...fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    base().error(message, { ...this.context, ...fields });
  }
}

/** The root logger. */
export const logger = new Logger();
