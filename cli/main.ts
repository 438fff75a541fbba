import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { printError } from "./printError.ts";

/** A command's module: loaded only when that command runs (or its help is asked for). */
export type CommandModule = {
  /** Adds the command's arguments, options, help and action; the action reports its exit code through `finish`. */
  configure: (command: Command, finish: (code: number) => void) => void;
};

/** The commands: the top level knows only their names and summaries. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  run: { summary: "run the pipeline locally on files (emulated AWS, same code)", load: () => import("./commands/run.ts") },
  check: { summary: "validate the config and show what files would become (writes nothing)", load: () => import("./commands/check.ts") },
  upload: { summary: "upload a file to a deployed stage's raw bucket, which starts the pipeline on it", load: () => import("./commands/upload.ts") },
  backfill: { summary: "run the pipeline on every object under a prefix (a local folder is uploaded first)", load: () => import("./commands/backfill.ts") },
  redrive: { summary: "resume a failed or interrupted job at the step it stopped", load: () => import("./commands/redrive.ts") },
  jobs: { summary: "list the jobs of a state dir (read-only: never waits for a writer)", load: () => import("./commands/jobs.ts") },
  job: { summary: "show one job: steps, timings, outputs, error and the command that fixes it", load: () => import("./commands/job.ts") },
  query: { summary: "run SQL over the local lake with Athena's table names (read-only)", load: () => import("./commands/query.ts") },
  dashboard: { summary: "write a self-contained HTML dashboard of the local lake", load: () => import("./commands/dashboard.ts") },
  rebuild: { summary: "recompute a gold model's whole history from silver", load: () => import("./commands/rebuild.ts") },
  compact: { summary: "compact silver partitions of many small files (then their gold)", load: () => import("./commands/compact.ts") },
  replay: { summary: "re-process a job's version (or a dataset's) from bronze as new jobs", load: () => import("./commands/replay.ts") },
  retract: { summary: "remove one source key's rows from silver, quarantine and gold (withdrawal, erasure)", load: () => import("./commands/retract.ts") },
};

function version(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/**
 * Runs the CLI; returns the exit code: 0 success, 1 a job failed (or an unexpected error),
 * 2 a usage, config or state-dir error (checked before anything runs).
 */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command("etl")
    .description("A medallion ETL pipeline for AWS that runs fully offline against local emulators.")
    .version(`etl ${version()}`, "-V, --version", "print the version")
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError("see etl --help")
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .addHelpText("after", "\nRun `etl help <command>` for a command's options and examples.");
  const invoked = argv[0] === "help" ? argv[1] : argv[0];
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = program.command(name).summary(entry.summary).showHelpAfterError(`see etl ${name} --help`);
    if (name === invoked) (await entry.load()).configure(command, (c) => (code = c));
  }
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  // `etl help nosuch` is answered as `etl nosuch` is: one line with the nearest command.
  const args = argv[0] === "help" && argv[1] && !COMMANDS[argv[1]] ? argv.slice(1) : argv;
  try {
    await program.parseAsync(args, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end the parse through the same path as errors, with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    return printError(error, invoked ?? "", argv.includes("--verbose"));
  }
}
