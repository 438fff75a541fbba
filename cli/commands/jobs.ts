import Table from "cli-table3";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import * as v from "valibot";
import { JobStatusSchema, type JobRecord } from "../../core/job/jobRecord.ts";
import { colour } from "../colour.ts";
import { durationMs } from "../jobLedger.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, type CommonOptions } from "../options.ts";
import { openLedger } from "../stage/openLedger.ts";
import { withStageOptions } from "../stage/stageOptions.ts";
import type { StageOptions } from "../stage/stageOutputs.ts";
import { UsageError } from "../usageError.ts";

type JobsOptions = CommonOptions & StageOptions & { status?: string; dataset?: string; since?: string };

const EXAMPLES = `
Read-only: it never takes the state dir's lock nor waits for it, so it runs while etl run does.
With --json, one object per job per line, newest first, with jobId and status as etl run prints them.
A RUNNING job whose process is gone shows as INTERRUPTED; etl redrive <jobId> resumes it.

Examples:
  $ etl jobs
  $ etl jobs --status FAILED --since 2h
  $ etl jobs --dataset sales --since 2024-03-01 --json
  $ etl jobs --stage dev --status FAILED       # the deployed stage's ledger (.sst/outputs.json, your AWS credentials)`;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from now (`30m`, `2h`, `7d`) or an ISO date/time; returns the ISO instant. */
export function sinceInstant(value: string, now = Date.now()): string {
  const ago = /^(\d+)([mhd])$/.exec(value);
  if (ago) return new Date(now - Number(ago[1]) * UNITS[ago[2]]).toISOString();
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at)) {
    throw new InvalidArgumentError("expected a duration back from now (30m, 2h, 7d) or an ISO date (2024-03-01, 2024-03-01T10:00Z)");
  }
  return new Date(at).toISOString();
}

function asJson(job: JobRecord, isInterrupted: boolean) {
  return {
    jobId: job.job_id,
    status: job.status,
    dataset: job.dataset,
    source: { bucket: job.source?.bucket, key: job.source?.key },
    step: job.step,
    attempts: job.attempts,
    startedAt: job.started_at,
    ...(job.finished_at ? { finishedAt: job.finished_at, durationMs: durationMs(job) } : {}),
    stats: job.stats,
    ...(job.error ? { error: job.error } : {}),
    ...(isInterrupted ? { interrupted: true } : {}),
    ...(job.replayOf ? { replayOf: job.replayOf } : {}),
    ...(job.retracted ? { retracted: job.retracted } : {}),
  };
}

function table(jobs: JobRecord[], isInterrupted: (j: JobRecord) => boolean): string {
  const out = process.stdout;
  const t = new Table({
    head: ["JOB", "DATASET", "KEY", "STATUS", "STEP", "ROWS", "DURATION", "STARTED"].map((h) => colour(out, "bold", h)),
    // Plain columns like `docker ps`: no box, easy to grep and to copy an id from.
    chars: { top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "", left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "  " },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
    colAligns: ["left", "left", "left", "left", "left", "right", "right", "left"],
  });
  for (const j of jobs) {
    const status = isInterrupted(j) ? "INTERRUPTED" : j.status;
    const style = status === "FAILED" || status === "INTERRUPTED" ? "red" : status === "RUNNING" ? "yellow" : status === "SUCCESS" ? "green" : "dim";
    const ms = durationMs(j);
    t.push([
      j.job_id,
      j.dataset,
      // What a replay or retract did, beside the key it did it to.
      `${j.source?.key ?? ""}${j.retracted ? "  (retract)" : j.replayOf ? `  (replay of ${j.replayOf})` : ""}`,
      colour(out, style, status),
      j.step,
      (j.stats?.inputRows ?? 0).toLocaleString("en-US"),
      ms === undefined ? "" : `${(ms / 1000).toFixed(1)} s`,
      j.started_at.replace("T", " ").replace(/\.\d+Z$/, "Z"),
    ]);
  }
  return t.toString().split("\n").map((l) => l.trimEnd()).join("\n");
}

async function jobs(opts: JobsOptions): Promise<number> {
  if (opts.status !== undefined && !v.is(JobStatusSchema, opts.status)) {
    throw new UsageError(`--status ${opts.status}: expected one of ${JobStatusSchema.options.join(", ")}`);
  }
  const since = opts.since === undefined ? undefined : sinceInstant(opts.since);
  const ledger = await openLedger(opts);
  try {
    const records = await ledger.jobs({ status: opts.status, dataset: opts.dataset, since });
    if (opts.json) for (const j of records) process.stdout.write(`${JSON.stringify(asJson(j, ledger.interrupted(j)))}\n`);
    else process.stdout.write(records.length ? `${table(records, ledger.interrupted)}\n` : "no jobs yet\n");
    for (const j of records.filter(ledger.interrupted)) {
      process.stderr.write(`interrupted: job ${j.job_id}; resume it with: etl redrive ${j.job_id}${ledger.target}\n`);
    }
    const failed = records.filter((j) => j.status === "FAILED");
    if (!opts.json && failed.length) process.stderr.write(`${failed.length} failed; see why and what fixes it with: etl job <JOB>${ledger.target}\n`);
  } finally {
    ledger.close();
  }
  return 0;
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withStageOptions(withCommonOptions(cmd), ["jobsTable"])
      .description("List the jobs of a state dir (or of a deployed stage), newest first.")
      .option("--status <status>", `only jobs with this status (${JobStatusSchema.options.join(", ")})`)
      .option("--dataset <name>", "only jobs of this dataset")
      .option("--since <when>", "only jobs started since then: 30m, 2h, 7d or an ISO date", (v) => (sinceInstant(v), v))
      .addHelpText("after", EXAMPLES)
      .action(async (opts: JobsOptions) => finish(await jobs(opts)));
  },
};

export const { configure } = command;
