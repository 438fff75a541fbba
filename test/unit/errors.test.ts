import { describe, expect, it } from "vitest";
import {
  classifyError,
  ContractViolationError,
  EmptyFileError,
  EtlError,
  FileTooLargeError,
  isTerminal,
  MalformedFileError,
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
  RowCountMismatchError,
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
    const classes = [EtlError, TerminalError, TransientError, ...TERMINAL_CLASSES];

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
});
