import type { Command } from "commander";
import type { PlannedReplay, ReplayPlan, ReplaySelection } from "../../core/replay/planReplay.ts";
import { existingStateDir } from "../../local/stateDir.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, withWriterOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";
import { printStarted, REPROCESS_STAGE_NAMES, stageReprocessServices, startOnStage, type StartedOnStage } from "../stage/reprocessOnStage.ts";
import { stageArg } from "../../core/job/remedy.ts";
import { withStageOptions } from "../stage/stageOptions.ts";
import type { StageOptions } from "../stage/stageOutputs.ts";
import { openStage } from "../stage/stageServices.ts";
import { sinceInstant } from "./jobs.ts";

type ReplayOptions = WriterOptions & StageOptions & { dataset?: string; since?: string; until?: string; dryRun: boolean };

const EXAMPLES = `
Re-processes a job's version of its key from its bronze copy (or archived/<key> when bronze is
gone) as a new job with its own id, for example after fixing a contract in etl.config.ts. The
replay takes the place of the version it re-processes: it replaces that version's rows in silver
and quarantine and gold follows, so nothing is counted twice; a replay of a version a newer upload
replaced ends SUPERSEDED and changes nothing. With --dataset, the newest version of each key of
the dataset whose job started in [--since, --until) is replayed; retracted keys are not.
--dry-run lists what would be replayed and writes nothing. Output as etl run prints it.

Examples:
  $ etl replay job-3f2a9c01d4e5b6a7c8d9
  $ etl replay --dataset sales --since 2024-03-01 --until 2024-03-08 --dry-run
  $ etl replay --dataset sales --since 7d --json

With --stage, the replays are planned from the deployed stage's jobs and outputs tables and
buckets and started as executions of its state machine (Step Functions StartExecution, with your
AWS credentials), each named by its job id: the same command typed again starts nothing new.
It returns once they have started; etl jobs --stage <name> follows them.
  $ etl replay job-3f2a9c01d4e5b6a7c8d9 --stage dev --dry-run`;

function selection(jobId: string | undefined, opts: ReplayOptions, declared: string[]): ReplaySelection {
  if (jobId && opts.dataset) throw new UsageError("give a job id or --dataset, not both");
  if (!jobId && !opts.dataset) throw new UsageError("give the job to replay, or --dataset NAME for the current version of each key of a dataset");
  if (jobId) {
    if (opts.since || opts.until) throw new UsageError("--since and --until go with --dataset");
    return { jobId };
  }
  if (!declared.includes(opts.dataset!)) {
    throw new UsageError(`--dataset ${opts.dataset} is not declared in the config; the datasets are: ${declared.join(", ") || "none"}`);
  }
  return {
    dataset: opts.dataset!,
    ...(opts.since ? { since: sinceInstant(opts.since) } : {}),
    ...(opts.until ? { until: sinceInstant(opts.until) } : {}),
  };
}

/** What a dry run prints for one replay: the new job's id is drawn when it runs, so it is not shown. */
function planned(r: PlannedReplay) {
  return {
    replayOf: r.of,
    dataset: r.dataset,
    key: r.key,
    version: r.version,
    from: r.from,
    wouldEnd: r.supersededBy ? "SUPERSEDED" : "SUCCESS",
    ...(r.supersededBy ? { supersededBy: r.supersededBy } : {}),
  };
}

function printPlan(plan: ReplayPlan, json: boolean): void {
  for (const r of plan.replays) {
    if (json) process.stdout.write(`${JSON.stringify({ dryRun: true, ...planned(r) })}\n`);
    else {
      const end = r.supersededBy ? `  (would end SUPERSEDED: job ${r.supersededBy} committed a newer version)` : "";
      process.stdout.write(`would replay ${r.of}  ${r.dataset}  ${r.key}  version ${r.version}  from ${r.from}${end}\n`);
    }
  }
  if (!plan.replays.length && !json) process.stdout.write("nothing to replay\n");
}

async function replay(jobId: string | undefined, opts: ReplayOptions): Promise<number> {
  if (opts.stage) return replayOnStage(jobId, { ...opts, stage: opts.stage });
  existingStateDir(opts.stateDir);
  const config = await loadConfig(opts.config);
  const wanted = selection(jobId, opts, config.datasets.map((d) => d.name));
  const { runtime, report, progress } = await openWriter("replay", opts, config, { readOnly: opts.dryRun });
  try {
    const [{ planReplay }, { getServices }] = await Promise.all([import("../../core/replay/planReplay.ts"), import("../../functions/services.ts")]);
    const plan = await planReplay(getServices(), wanted);
    for (const s of plan.skipped) process.stderr.write(`not replayed: ${s.key} (job ${s.job}): ${s.reason}\n`);
    if (opts.dryRun) {
      printPlan(plan, opts.json);
      return 0;
    }
    let failed = false;
    for (const r of plan.replays) {
      progress?.line(`replaying ${r.of} (${r.key}, version ${r.version}) from ${r.from} as ${r.jobId}`);
      const result = await report(r.event, await runtime.execute(r.event));
      failed ||= result.status === "FAILED";
    }
    if (!plan.replays.length && !opts.json) process.stderr.write("nothing to replay\n");
    return failed ? 1 : 0;
  } finally {
    await runtime.stop();
  }
}

/** Plans with the stage's clients, then starts each replay on its state machine (docs/ops.md). */
async function replayOnStage(jobId: string | undefined, opts: ReplayOptions & { stage: string }): Promise<number> {
  const config = await loadConfig(opts.config);
  const wanted = selection(jobId, opts, config.datasets.map((d) => d.name));
  const stage = await openStage(opts);
  try {
    const { planReplay } = await import("../../core/replay/planReplay.ts");
    const plan = await planReplay(stageReprocessServices(stage, config), wanted, { idempotent: true, target: stageArg(stage.stage) });
    for (const s of plan.skipped) process.stderr.write(`not replayed: ${s.key} (job ${s.job}): ${s.reason}\n`);
    if (opts.dryRun) {
      printPlan(plan, opts.json);
      return 0;
    }
    const started: StartedOnStage[] = [];
    for (const r of plan.replays) started.push(await startOnStage(stage, r));
    printStarted(stage, started, opts.json);
    if (!plan.replays.length && !opts.json) process.stderr.write("nothing to replay\n");
    return 0;
  } finally {
    stage.close();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withStageOptions(withWriterOptions(withCommonOptions(cmd)), REPROCESS_STAGE_NAMES)
      .description("Re-process a job's version from bronze (or the archive) as a new job, e.g. after a contract fix.")
      .argument("[jobId]", "the job whose version to replay (as etl jobs prints it)")
      .option("--dataset <name>", "replay the newest version of every key of this declared dataset")
      .option("--since <when>", "with --dataset: only versions whose job started since then (30m, 2h, 7d or an ISO date)", (v) => (sinceInstant(v), v))
      .option("--until <when>", "with --dataset: only versions whose job started before then", (v) => (sinceInstant(v), v))
      .option("--dry-run", "list what would be replayed (job, dataset, key, version, from bronze or archive); write nothing", false)
      .addHelpText("after", EXAMPLES)
      .action(async (jobId: string | undefined, opts: ReplayOptions) => finish(await replay(jobId, opts)));
  },
};

export const { configure } = command;
