import { describe, expect, it } from "vitest";
import {
  classifyError,
  ContractViolationError,
  EmptyFileError,
  EtlError,
  FileTooLargeError,
  isTerminal,
  MalformedFileError,
  ResourceLimitError,
  QualityGateError,
  RowCountMismatchError,
  TooManyPartitionsError,
  UnmatchedDatasetError,
  SourceMissingError,
  TERMINAL_ERROR_NAMES,
  TerminalError,
  TRANSIENT_ERROR_NAMES,
  TransientError,
  UnsupportedFormatError,
} from "../../core/errors.ts";

const TERMINAL_CLASSES = [
  UnsupportedFormatError,
  EmptyFileError,
  FileTooLargeError,
  SourceMissingError,
  MalformedFileError,
  ContractViolationError,
  ResourceLimitError,
  QualityGateError,
  TooManyPartitionsError,
  UnmatchedDatasetError,
];

/** An error shaped like an AWS SDK v3 service exception. */
function sdkError(name: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(`${name} happened`), { name }, fields);
}

describe("errors", () => {
  it("sets each error's name to its class name, as Lambda reports it", () => {
    const classes = [EtlError, TerminalError, TransientError, RowCountMismatchError, ...TERMINAL_CLASSES];

    const names = classes.map((C) => new C("x").name);

    expect(names).toEqual(classes.map((C) => C.name));
    expect(names).toContain("ContractViolationError");
  });

  it("keeps the message and the cause", () => {
    const cause = new Error("root");

    const error = new MalformedFileError("bad.json could not be read", { cause });

    expect(error.message).toBe("bad.json could not be read");
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toBeInstanceOf(EtlError);
    expect(error).toBeInstanceOf(Error);
  });

  it("lists every terminal subclass in TERMINAL_ERROR_NAMES and no transient name", () => {
    const names = TERMINAL_CLASSES.map((C) => new C("x").name);

    expect([...TERMINAL_ERROR_NAMES].sort()).toEqual([...names].sort());
    for (const name of TERMINAL_ERROR_NAMES) expect(TRANSIENT_ERROR_NAMES as readonly string[]).not.toContain(name);
    expect(TRANSIENT_ERROR_NAMES).toContain("TransientError");
  });

  it("recognises terminal errors by name, whatever created them", () => {
    const own = new EmptyFileError("empty");
    const foreign = Object.assign(new Error("from another copy of the module"), { name: "ContractViolationError" });

    expect(isTerminal(own)).toBe(true);
    expect(isTerminal(foreign)).toBe(true);
    expect(isTerminal(new TransientError("slow"))).toBe(false);
    expect(isTerminal(new TypeError("bug"))).toBe(false);
    expect(isTerminal("ContractViolationError")).toBe(false);
  });
});

describe("classifyError", () => {
  it("maps an SDK error marked $retryable to TransientError, keeping the cause", () => {
    const throttled = sdkError("ThrottlingException", { $retryable: { throttling: true }, $fault: "client" });

    const classified = classifyError(throttled);

    expect(classified).toBeInstanceOf(TransientError);
    expect((classified as Error).name).toBe("TransientError");
    expect((classified as Error).message).toContain("ThrottlingException");
    expect((classified as Error).cause).toBe(throttled);
  });

  it("maps a server fault (5xx) to TransientError", () => {
    const internal = sdkError("InternalError", { $fault: "server" });

    const classified = classifyError(internal);

    expect(classified).toBeInstanceOf(TransientError);
  });

  it("maps network resets and SDK timeouts to TransientError", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const timeout = sdkError("TimeoutError", {});

    expect(classifyError(reset)).toBeInstanceOf(TransientError);
    expect(classifyError(timeout)).toBeInstanceOf(TransientError);
  });

  it("leaves client faults alone", () => {
    const denied = sdkError("AccessDenied", { $fault: "client" });

    const classified = classifyError(denied);

    expect(classified).toBe(denied);
  });

  it("leaves terminal errors alone, even when marked retryable", () => {
    const terminal = Object.assign(new ContractViolationError("missing column qty"), { $retryable: {} });

    const classified = classifyError(terminal);

    expect(classified).toBe(terminal);
  });

  it("leaves plain bugs and non-errors alone", () => {
    const bug = new TypeError("cannot read properties of undefined");

    expect(classifyError(bug)).toBe(bug);
    expect(classifyError("boom")).toBe("boom");
    expect(classifyError(undefined)).toBeUndefined();
  });

  it("keeps a row count mismatch out of the terminal family: a pipeline bug fails at the step, redrivable", () => {
    const mismatch = new RowCountMismatchError("sales.csv: 3 of 100 rows read are not accounted for");

    expect(isTerminal(mismatch)).toBe(false);
    expect(TERMINAL_ERROR_NAMES).not.toContain("RowCountMismatchError");
    expect(classifyError(mismatch)).toBe(mismatch);
  });

  it("names DuckDB running out of memory as a terminal resource limit, with the file and the memory", () => {
    const oom = new Error("Out of Memory Error: failed to allocate data of size 64.0 MiB (2.0 GiB/2.0 GiB used)");

    const classified = classifyError(oom, { file: "incoming/big.csv", memoryMb: 3008 });

    expect(classified).toBeInstanceOf(ResourceLimitError);
    expect(isTerminal(classified)).toBe(true);
    expect((classified as Error).message).toMatch(/^incoming\/big\.csv needs more than the function's 3008 MB of memory/);
    expect((classified as Error).message).toContain("failed to allocate");
    expect((classified as Error).cause).toBe(oom);
  });

  it("names Node's own allocation failures as a resource limit too", () => {
    expect(classifyError(new RangeError("Array buffer allocation failed"), { file: "k" })).toBeInstanceOf(ResourceLimitError);
    expect(classifyError(Object.assign(new Error("x"), { code: "ERR_MEMORY_ALLOCATION_FAILED" }))).toBeInstanceOf(ResourceLimitError);
    // An ordinary RangeError is a bug, not a limit.
    const bug = new RangeError("Invalid time value");
    expect(classifyError(bug)).toBe(bug);
  });

  it("names a full disk (Node's ENOSPC, DuckDB's No space left) as a resource limit naming the file and where", () => {
    const node = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const duck = new Error('IO Error: Could not write file "/tmp/etl/x/duckdb.tmp": No space left on device');

    const a = classifyError(node, { file: "incoming/big.csv", scratchDir: "/tmp/etl" }) as Error;
    const b = classifyError(duck, { file: "incoming/big.csv" }) as Error;

    expect(a).toBeInstanceOf(ResourceLimitError);
    expect(a.message).toMatch(/^incoming\/big\.csv needs more disk than the function's ephemeral storage in \/tmp\/etl holds/);
    expect(b).toBeInstanceOf(ResourceLimitError);
  });
});
