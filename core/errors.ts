/**
 * The error families of the pipeline (docs/design.md decision 4).
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
/**
 * The file needs more memory or disk than the function has: it will fail the same way on every
 * retry, so it is terminal; the message names the limit and the file.
 */
export class ResourceLimitError extends TerminalError {}

/**
 * The job's row counts do not add up: rows would have been lost silently. A bug in the pipeline,
 * not in the file: it fails at the step, so a redrive after the fix runs it again.
 */
export class RowCountMismatchError extends EtlError {}

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
  ResourceLimitError.name,
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

/** What a step knows when it fails, so a resource limit can name the file and the limit. */
export type FailureContext = {
  /** The object the job is processing. */
  file?: string;
  /** The function's memory, in MB (Lambda's `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`). */
  memoryMb?: number;
  /** Where the step downloads and DuckDB spills (its ephemeral storage). */
  scratchDir?: string;
};

/** DuckDB's "Out of Memory Error: …", and the V8 allocation failures Node survives. */
function isOutOfMemory(error: Error & { code?: string }): boolean {
  return (
    /Out of Memory Error/i.test(error.message) ||
    error.code === "ERR_MEMORY_ALLOCATION_FAILED" ||
    (error instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer allocation/i.test(error.message))
  );
}

/** ENOSPC from Node, "No space left on device" from DuckDB's writes and spills. */
function isOutOfDisk(error: Error & { code?: string }): boolean {
  return error.code === "ENOSPC" || /No space left on device|ENOSPC/i.test(error.message);
}

/**
 * Names a failure after its cause: a file too large for the function's memory or disk becomes a
 * terminal `ResourceLimitError` naming the limit and the file; AWS SDK failures worth retrying
 * (throttling and 5xx, marked `$retryable` or a server fault; network resets) become
 * `TransientError`; anything else is left alone, a bug that fails the step.
 */
export function classifyError(error: unknown, context: FailureContext = {}): unknown {
  if (!(error instanceof Error) || isTerminal(error)) return error;
  const sdk = error as Error & { $retryable?: unknown; $fault?: string; code?: string };
  const file = context.file ?? "the file";
  if (isOutOfMemory(sdk)) {
    const limit = context.memoryMb ? `the function's ${context.memoryMb} MB of memory` : "the memory available";
    return new ResourceLimitError(
      `${file} needs more than ${limit} (${error.message}); split it into smaller files or give the step more memory`,
      { cause: error },
    );
  }
  if (isOutOfDisk(sdk)) {
    const where = context.scratchDir ? ` in ${context.scratchDir}` : "";
    return new ResourceLimitError(
      `${file} needs more disk than the function's ephemeral storage${where} holds (${error.message}); split it into smaller files or give the step more storage`,
      { cause: error },
    );
  }
  const network = ["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EPIPE"].includes(sdk.code ?? "");
  if (sdk.$retryable || sdk.$fault === "server" || network || error.name === "TimeoutError") {
    return new TransientError(`${error.name}: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * A replay or retract that cannot be done as asked (an unknown job or key, a version no copy
 * holds any more): nothing ran. The CLI prints the message alone and exits 2.
 */
export class ReprocessRefusedError extends EtlError {
  readonly exitCode = 2;
}
