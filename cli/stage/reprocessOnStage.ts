import type { StageName } from "./stageOutputs.ts";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { EtlConfig } from "../../core/config/defineConfig.ts";
import type { ObjectCreatedEvent } from "../../core/events/objectCreated.ts";
import { JobTable } from "../../core/io/jobTable.ts";
import { OutputTable } from "../../core/io/outputTable.ts";
import { FAILED_JOB_TTL_DAYS } from "../../core/job/retention.ts";
import type { ReprocessServices } from "../../core/replay/services.ts";
import { stageArg } from "../../core/job/remedy.ts";
import { stageFailure, type StageServices } from "./stageServices.ts";

/** The stage resources a replay or a retract plans with and starts on: the options they offer. */
export const REPROCESS_STAGE_NAMES: StageName[] = ["rawBucket", "lakeBucket", "jobsTable", "outputsTable", "stateMachine"];

/**
 * What `etl replay` and `etl retract` plan with on a stage: its jobs and outputs tables and its
 * buckets, read with the caller's credentials. Planning only reads, so the retention the table
 * would give records it writes does not matter here.
 */
export function stageReprocessServices(stage: StageServices, config: EtlConfig): ReprocessServices {
  const read =
    <A extends unknown[], R>(what: string, call: (...args: A) => Promise<R>) =>
    (...args: A) =>
      call(...args).catch((error) => {
        throw stageFailure(error, stage.stage, what);
      });
  const jobsTable = stage.need("jobsTable");
  const outputsTable = stage.need("outputsTable");
  const jobs = new JobTable(stage.dynamo, jobsTable, { finalDays: 1, failedDays: FAILED_JOB_TTL_DAYS });
  const outputs = new OutputTable(stage.dynamo, outputsTable);
  return {
    config,
    settings: { ETL_RAW_BUCKET: stage.need("rawBucket"), ETL_LAKE_BUCKET: stage.need("lakeBucket") },
    jobs: {
      get: read(`the jobs table ${jobsTable}`, jobs.get.bind(jobs)),
      async *ofDataset(dataset, range) {
        try {
          yield* jobs.ofDataset(dataset, range);
        } catch (error) {
          throw stageFailure(error, stage.stage, `the jobs table ${jobsTable}`);
        }
      },
    },
    outputs: { source: read(`the outputs table ${outputsTable}`, outputs.source.bind(outputs)) },
    store: { head: read("the stage's buckets", stage.store.head.bind(stage.store)) },
  };
}

/** A started execution, or one a previous command started under the same name. */
export type StartedOnStage = { jobId: string; executionArn: string; started: boolean };

/**
 * Starts one planned job on the stage's state machine, named by its job id, with the input the
 * local runtime would run. The id is the plan's idempotent one, so a command typed again while
 * the execution runs gets the same execution back (same name and input), and once it has ended
 * Step Functions answers ExecutionAlreadyExists: the job is then reported as already started,
 * and `etl job` / `etl redrive` are what follow or resume it.
 */
export async function startOnStage(stage: StageServices, planned: { jobId: string; event: ObjectCreatedEvent }): Promise<StartedOnStage> {
  const stateMachineArn = stage.need("stateMachine");
  try {
    const out = await stage.sfn.send(new StartExecutionCommand({ stateMachineArn, name: planned.jobId, input: JSON.stringify(planned.event) }));
    return { jobId: planned.jobId, executionArn: out.executionArn ?? "", started: true };
  } catch (error) {
    if ((error as Error).name !== "ExecutionAlreadyExists") throw stageFailure(error, stage.stage, `the state machine ${stateMachineArn}`);
    // The execution ARN is the state machine's with :execution: and the name (a Standard workflow's form).
    return { jobId: planned.jobId, executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${planned.jobId}`, started: false };
  }
}

/** Prints what was started and how to follow it, as `etl upload --stage` does. */
export function printStarted(stage: StageServices, started: StartedOnStage[], json: boolean): void {
  const follow = `etl jobs${stageArg(stage.stage)}`;
  for (const s of started) {
    if (json) process.stdout.write(`${JSON.stringify({ ...s, follow })}\n`);
    else if (s.started) process.stdout.write(`started ${s.jobId}  execution ${s.executionArn}\n`);
    else process.stdout.write(`already started ${s.jobId}  execution ${s.executionArn}  (etl job ${s.jobId}${stageArg(stage.stage)} shows it)\n`);
  }
  if (started.length && !json) process.stderr.write(`follow it: ${follow}\n`);
}
