import type { Command } from "commander";
import { INCOMING_PREFIX } from "../../core/config/matchDataset.ts";
import type { PlannedRetract } from "../../core/replay/planRetract.ts";
import { existingStateDir } from "../../local/stateDir.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, withWriterOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";
import { printStarted, REPROCESS_STAGE_NAMES, stageReprocessServices, startOnStage } from "../stage/reprocessOnStage.ts";
import { stageArg } from "../../core/job/remedy.ts";
import { withStageOptions } from "../stage/stageOptions.ts";
import type { StageOptions } from "../stage/stageOutputs.ts";
import { openStage } from "../stage/stageServices.ts";
import { keyProblem } from "./run.ts";

type RetractOptions = WriterOptions & StageOptions & { keepRaw: boolean; dryRun: boolean };

const EXAMPLES = `
Removes one source key's rows from silver and quarantine and recomputes the gold they fed, as a
job of its own (the same state machine: an empty version of the key is committed after its
current one). By default it is an erasure: the key's bronze copies, its staging and every version
of archived/<key> and incoming/<key> go too. --keep-raw keeps those. A later upload of the key
is processed as usual. --dry-run says what would be retracted and writes nothing. Output as etl
run prints it.

Examples:
  $ etl retract incoming/sales-2024-03.csv
  $ etl retract sales-2024-03.csv --keep-raw --json

With --stage, the retract is planned from the deployed stage's tables and buckets and started as
an execution of its state machine (Step Functions StartExecution, with your AWS credentials),
named by its job id: the same command typed again starts nothing new. It returns once it has
started; etl jobs --stage <name> follows it.
  $ etl retract incoming/sales-2024-03.csv --stage dev --dry-run`;

/** What a dry run prints: the retract's id is drawn when it runs (locally), so it is not shown. */
function printPlan({ key, dataset, of, erase, jobs }: PlannedRetract, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify({ dryRun: true, key, dataset, of, erase, jobs })}\n`);
  else process.stdout.write(`would retract ${key}  ${dataset}  the version of ${of}${erase ? `  erasing the raw copies of ${jobs.length} job(s)` : "  keeping the raw copies"}\n`);
  return 0;
}

async function retract(key: string, opts: RetractOptions): Promise<number> {
  const full = key.startsWith(INCOMING_PREFIX) ? key : `${INCOMING_PREFIX}${key}`;
  const problem = keyProblem(full);
  if (problem) throw new UsageError(`${JSON.stringify(key)} ${problem}`);
  if (opts.stage) return retractOnStage(full, { ...opts, stage: opts.stage });
  existingStateDir(opts.stateDir);
  const config = await loadConfig(opts.config);
  const { runtime, report, progress } = await openWriter("retract", opts, config, { readOnly: opts.dryRun });
  try {
    const [{ planRetract }, { getServices }] = await Promise.all([import("../../core/replay/planRetract.ts"), import("../../functions/services.ts")]);
    const planned = await planRetract(getServices(), full, { erase: !opts.keepRaw });
    if (opts.dryRun) return printPlan(planned, opts.json);
    progress?.line(`retracting ${full} (dataset ${planned.dataset}, the version of ${planned.of}) as ${planned.jobId}`);
    const result = await report(planned.event, await runtime.execute(planned.event));
    return result.status === "FAILED" ? 1 : 0;
  } finally {
    await runtime.stop();
  }
}

/** Plans with the stage's clients, then starts the retract on its state machine (docs/ops.md). */
async function retractOnStage(key: string, opts: RetractOptions & { stage: string }): Promise<number> {
  const config = await loadConfig(opts.config);
  const stage = await openStage(opts);
  try {
    const { planRetract } = await import("../../core/replay/planRetract.ts");
    const planned = await planRetract(stageReprocessServices(stage, config), key, { erase: !opts.keepRaw, idempotent: true, target: stageArg(stage.stage) });
    if (opts.dryRun) return printPlan(planned, opts.json);
    printStarted(stage, [await startOnStage(stage, planned)], opts.json);
    return 0;
  } finally {
    stage.close();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withStageOptions(withWriterOptions(withCommonOptions(cmd)), REPROCESS_STAGE_NAMES)
      .description("Remove one source key's rows from silver and quarantine and recompute its gold (a withdrawal or an erasure).")
      .argument("<key>", "the raw key, incoming/… (the incoming/ prefix may be left out)")
      .option("--keep-raw", "keep the key's bronze and archived copies (default: an erasure removes them, every version)", false)
      .option("--dry-run", "say what would be retracted (dataset, the job whose version, what is erased); write nothing", false)
      .addHelpText("after", EXAMPLES)
      .action(async (key: string, opts: RetractOptions) => finish(await retract(key, opts)));
  },
};

export const { configure } = command;
