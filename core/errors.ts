/**
 * The error families of the pipeline (DESIGN.md decision 4).
 *
 * Lambda reports `error.name` as the error type, so the state machine catches terminal names
 * (a file that can never pass: redriving is pointless) and retries transient ones. Anything
 * else is a bug: it fails the execution at the step, so a redrive after the fix re-runs it.
 */
export class EtlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A file or configuration that can never pass as it is: fix the input, then upload again. */
export class TerminalError extends EtlError {}

/** The file's format is not one the pipeline reads. */
export class UnsupportedFormatError extends TerminalError {}
/** The file has no data rows. */
export class EmptyFileError extends TerminalError {}
/** The file is larger than the configured limit. */
export class FileTooLargeError extends TerminalError {}
/** The upload was gone before the job could read it. */
export class SourceMissingError extends TerminalError {}
/** The file's bytes could not be parsed in the detected format. */
export class MalformedFileError extends TerminalError {}
/** The file breaks its dataset's contract (missing required columns, a `fail` rule, a frozen schema). */
export class ContractViolationError extends TerminalError {}
/** The job's row counts do not add up: rows would have been lost silently. */
export class RowCountMismatchError extends TerminalError {}

/** Too many of a file's rows were quarantined, or too few reached silver (the dataset's quality gate). */
export class QualityGateError extends TerminalError {}
/** A file's rows fall into more partitions than its dataset allows. */
export class TooManyPartitionsError extends TerminalError {}
/** A file matches no dataset, and the config does not let it create one. */
export class UnmatchedDatasetError extends TerminalError {}

/** A failure expected to pass on retry: throttling, timeouts, a service's 5xx. */
export class TransientError extends EtlError {}

/** The error types the state machine's Catch sends down the failure path. */
export const TERMINAL_ERROR_NAMES = [
  UnsupportedFormatError.name,
  EmptyFileError.name,
  FileTooLargeError.name,
  SourceMissingError.name,
  MalformedFileError.name,
  ContractViolationError.name,
  RowCountMismatchError.name,
  QualityGateError.name,
  TooManyPartitionsError.name,
  UnmatchedDatasetError.name,
] as const;

/** The error types the state machine retries with backoff. */
export const TRANSIENT_ERROR_NAMES = [
  TransientError.name,
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
] as const;

/** True for errors of the terminal family, whatever module created them. */
export function isTerminal(error: unknown): boolean {
  return error instanceof Error && (TERMINAL_ERROR_NAMES as readonly string[]).includes(error.name);
}

/**
 * Maps AWS SDK failures that are worth retrying to `TransientError`, and leaves the rest alone.
 * The SDK marks throttling and 5xx responses with `$retryable` or a server fault.
 */
export function classifyError(error: unknown): unknown {
  if (!(error instanceof Error) || isTerminal(error)) return error;
  const sdk = error as Error & { $retryable?: unknown; $fault?: string; code?: string };
  const network = ["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EPIPE"].includes(sdk.code ?? "");
  if (sdk.$retryable || sdk.$fault === "server" || network || error.name === "TimeoutError") {
    return new TransientError(`${error.name}: ${error.message}`, { cause: error });
  }
  return error;
}
