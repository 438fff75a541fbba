import type { Command } from "commander";
import { existingStateDir } from "../../local/stateDir.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, withWriterOptions } from "../options.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";

const EXAMPLES = `
Finds the job's execution in the state dir's journal and runs it again from the state where it
failed (or where its process was killed), with the input that state had; nothing before it runs
again, and the job's record counts the attempt. A job that failed on the Catch path (a terminal
data error: the file itself cannot pass) is refused: fix the file and upload it again.
Output as etl run prints it; exit code 0 when the job succeeds, 1 when it fails again.

Examples:
  $ etl redrive job-3f2a9c01d4e5b6a7c8d9
  $ ETL_FAULT=kill:clean etl run samples/sales.csv; etl redrive <jobId> --json`;

async function redrive(jobId: string, opts: WriterOptions): Promise<number> {
  existingStateDir(opts.stateDir);
  const config = await loadConfig(opts.config);
  const { runtime, report } = await openWriter("redrive", opts, config);
  try {
    const { event, outcome } = await runtime.redrive(jobId);
    const result = await report(event, outcome);
    return result.status === "FAILED" ? 1 : 0;
  } finally {
    await runtime.stop();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withWriterOptions(withCommonOptions(cmd))
      .description("Resume a failed or interrupted job at the step it stopped, as a Step Functions redrive does.")
      .argument("<jobId>", "the job to resume (as etl run and etl jobs print it)")
      .addHelpText("after", EXAMPLES)
      .action(async (jobId: string, opts: WriterOptions) => finish(await redrive(jobId, opts)));
  },
};

export const { configure } = command;
