import { existsSync, statSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import { UsageError } from "./usageError.ts";

/** The options every command takes. */
export type CommonOptions = { stateDir: string; json: boolean; verbose: boolean };

/** Adds `--state-dir`, `--json` and `--verbose`, the same on every command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option("--state-dir <dir>", "where emulator state, journals and the lake live", ".etl")
    .option("--json", "print JSON lines on stdout only; logs, progress and hints go to stderr", false)
    .option("--verbose", "print the steps' structured logs, and stack traces of errors, on stderr", false);
}

/** Adds the options of commands that write to the state dir. */
export function withWriterOptions(command: Command): Command {
  return command
    .option("--config <file>", "dataset config (default etl.config.ts in the current directory)")
    .option("--lock-wait <seconds>", "wait this long for another writer on the state dir, then give up", seconds, 10)
    .option("--memory <MB>", "run each step as a Lambda function of this size would: DuckDB's memory and threads follow it", megabytes);
}

/** A whole number ≥ 1, for commander's option parsing. */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return Number(value);
}

function megabytes(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 384) throw new InvalidArgumentError("expected a whole number of MB, at least 384");
  return Number(value);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number of seconds");
  return n;
}

/** Checks that a path names a file, saying what it is instead when it is not. */
export function mustBeFile(path: string, what = "file"): void {
  if (!existsSync(path)) throw new UsageError(`no such ${what}: ${path}`);
  if (statSync(path).isDirectory()) throw new UsageError(`${path} is a directory, not a ${what}`);
  if (!statSync(path).isFile()) throw new UsageError(`${path} is not a regular file`);
}
