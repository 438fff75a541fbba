import type { Command } from "commander";
import { RedriveExecutionCommand } from "@aws-sdk/client-sfn";
import { FINAL_STATUSES, type JobRecord } from "../../core/job/jobRecord.ts";
import { isTerminalType, remedy } from "../../core/job/remedy.ts";
import { existingStateDir } from "../../local/stateDir.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, withWriterOptions } from "../options.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";
import { findJob, openLedger } from "../stage/openLedger.ts";
import { StageError } from "../stage/stageError.ts";
import { withStageOptions } from "../stage/stageOptions.ts";
import type { StageOptions } from "../stage/stageOutputs.ts";
import { stageFailure, type StageServices } from "../stage/stageServices.ts";

type RedriveOptions = WriterOptions & StageOptions;

const EXAMPLES = `
Finds the job's execution in the state dir's journal and runs it again from the state where it
failed (or where its process was killed), with the input that state had; nothing before it runs
again, and the job's record counts the attempt. A job that failed on the Catch path (a terminal
data error: the file itself cannot pass) is refused: fix the file and upload it again.
Output as etl run prints it; exit code 0 when the job succeeds, 1 when it fails again.

Examples:
  $ etl redrive job-3f2a9c01d4e5b6a7c8d9
  $ ETL_FAULT=kill:clean etl run samples/sales.csv; etl redrive <jobId> --json

With --stage, the job's execution on the deployed stage is redriven (Step Functions
RedriveExecution, with your AWS credentials): it resumes at the step that failed, and this
command returns once it has started; etl job <jobId> --stage <name> follows it.
  $ etl redrive job-3f2a9c01d4e5b6a7c8d9 --stage dev`;

async function redrive(jobId: string, opts: RedriveOptions): Promise<number> {
  if (opts.stage) return redriveOnStage(jobId, opts);
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

/** Why a job on a stage cannot be redriven, or undefined when Step Functions may try. */
function refusal(job: JobRecord, target: string): string | undefined {
  if ((FINAL_STATUSES as readonly string[]).includes(job.status)) return `job ${job.job_id} is ${job.status}: there is nothing to redrive`;
  if (job.error && isTerminalType(job.error.type)) {
    const fix = remedy({ jobId: job.job_id, sourceKey: job.source.key }, job.error.step, true, target, "upload");
    return `job ${job.job_id} failed with ${job.error.type} at ${job.error.step}: the file itself cannot pass, so a redrive would fail the same way; fix it and upload it again: ${fix.command}${fix.replay ? ` (or, if etl.config.ts was what was wrong, deploy the fix and: ${fix.replay})` : ""}`;
  }
  return undefined;
}

/**
 * Redrives the job's execution on the stage. The client token makes the same command typed twice
 * one redrive (Step Functions answers the second with the first's result).
 */
async function redriveOnStage(jobId: string, opts: RedriveOptions): Promise<number> {
  const ledger = await openLedger(opts);
  try {
    const job = await findJob(ledger, jobId);
    const refused = refusal(job, ledger.target);
    if (refused) throw new StageError(refused);
    const stage = ledger.stage as StageServices;
    const out = await stage.sfn
      .send(new RedriveExecutionCommand({ executionArn: job.execution_id, clientToken: `${job.job_id}-attempt-${job.attempts + 1}` }))
      .catch((error) => {
        if ((error as Error).name === "ExecutionNotRedrivable") throw new StageError(`job ${job.job_id}: Step Functions will not redrive it: ${(error as Error).message}`);
        throw stageFailure(error, stage.stage, `the execution ${job.execution_id}`);
      });
    const step = job.error?.step ?? job.step;
    const redriveDate = out.redriveDate?.toISOString();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ jobId: job.job_id, redriven: true, step, executionArn: job.execution_id, redriveDate })}\n`);
    } else {
      process.stdout.write(`redriven: ${job.job_id} resumes at ${step} (execution ${job.execution_id})\n`);
      process.stderr.write(`follow it: etl job ${job.job_id}${ledger.target}\n`);
    }
    return 0;
  } finally {
    ledger.close();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withStageOptions(withWriterOptions(withCommonOptions(cmd)), ["jobsTable"])
      .description("Resume a failed or interrupted job at the step it stopped, as a Step Functions redrive does.")
      .argument("<jobId>", "the job to resume (as etl run and etl jobs print it)")
      .addHelpText("after", EXAMPLES)
      .action(async (jobId: string, opts: RedriveOptions) => finish(await redrive(jobId, opts)));
  },
};

export const { configure } = command;
