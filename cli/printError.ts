/**
 * Prints an error a command ended with and returns its exit code. A usage, config or state-dir
 * error (any error carrying `exitCode: 2`) is one line a person can act on, no stack trace;
 * anything else is unexpected: its message, and its stack with `--verbose`.
 */
export function printError(error: unknown, command: string, verbose: boolean): number {
  const e = error instanceof Error ? error : new Error(String(error));
  const prefix = command ? `etl ${command}` : "etl";
  if ((e as { exitCode?: number }).exitCode === 2) {
    process.stderr.write(`${prefix}: ${e.message}\n`);
    if (e.name === "UsageError") process.stderr.write(`see ${prefix} --help\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    return 2;
  }
  process.stderr.write(`${prefix}: ${e.name}: ${e.message}\n`);
  process.stderr.write(verbose && e.stack ? `${e.stack}\n` : "run again with --verbose for the stack trace\n");
  return 1;
}
