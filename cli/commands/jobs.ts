import { join } from "node:path";
import type { Command } from "commander";
import * as v from "valibot";
import { JobRecordSchema, JobStatusSchema, type JobRecord } from "../../core/job/jobRecord.ts";
import { JournalStore, summarize } from "../../local/journal.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { isAlive } from "../../local/lock.ts";
import { existingStateDir } from "../../local/stateDir.ts";
import { scanAll, withTableSnapshot } from "../../local/stateDirSnapshot.ts";
import { colour } from "../colour.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, type CommonOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";

type JobsOptions = CommonOptions & { status?: string; dataset?: string };

const EXAMPLES = `
Read-only: it never takes the state dir's lock nor waits for it, so it runs while etl run does.
With --json, one object per job per line, newest first, with jobId and status as etl run prints them.

Examples:
  $ etl jobs
  $ etl jobs --status FAILED --json`;

function durationMs(job: JobRecord): number | undefined {
  return job.finished_at ? Date.parse(job.finished_at) - Date.parse(job.started_at) : undefined;
}

/**
 * True for a RUNNING job whose execution's process is gone: its journal has no outcome and the
 * pid that wrote it is dead. (Read-only: the next writer records it FAILED.)
 */
function interrupted(journals: JournalStore, job: JobRecord): boolean {
  if (job.status !== "RUNNING") return false;
  const summary = summarize(journals.read(job.execution_id.split(":").pop() ?? ""));
  return summary !== undefined && !summary.outcome && !isAlive(summary.pid);
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
  };
}

function table(jobs: JobRecord[], isInterrupted: (j: JobRecord) => boolean): string {
  const rows = jobs.map((j) => [
    j.job_id,
    j.dataset,
    j.source?.key ?? "",
    isInterrupted(j) ? "INTERRUPTED" : j.status,
    j.step,
    String(j.stats?.inputRows ?? ""),
    durationMs(j) === undefined ? "" : `${(durationMs(j)! / 1000).toFixed(1)} s`,
    j.started_at,
  ]);
  const head = ["JOB", "DATASET", "KEY", "STATUS", "STEP", "ROWS", "DURATION", "STARTED"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const paint = (status: string, text: string) =>
    colour(process.stdout, status === "FAILED" || status === "INTERRUPTED" ? "red" : status === "RUNNING" ? "yellow" : "green", text);
  return [line(head), ...rows.map((r) => paint(r[3], line(r)))].join("\n");
}

async function jobs(opts: JobsOptions): Promise<number> {
  if (opts.status !== undefined && !v.is(JobStatusSchema, opts.status)) {
    throw new UsageError(`--status ${opts.status}: expected one of ${JobStatusSchema.options.join(", ")}`);
  }
  const dir = existingStateDir(opts.stateDir);
  const items = (await withTableSnapshot(dir, (db) => scanAll(db, LOCAL_NAMES.jobsTable).catch(() => []))) ?? [];
  const records = items
    // A record of a newer shape is still listed: only the fields shown here are relied on.
    .map((item) => {
      const parsed = v.safeParse(JobRecordSchema, item);
      return parsed.success ? parsed.output : (item as JobRecord);
    })
    .filter((j) => typeof j.job_id === "string" && typeof j.started_at === "string")
    .filter((j) => (!opts.status || j.status === opts.status) && (!opts.dataset || j.dataset === opts.dataset))
    .sort((a, b) => b.started_at.localeCompare(a.started_at));
  const journals = new JournalStore(join(dir, "executions"));
  const stopped = new Set(records.filter((j) => interrupted(journals, j)).map((j) => j.job_id));
  const isInterrupted = (j: JobRecord) => stopped.has(j.job_id);
  if (opts.json) for (const j of records) process.stdout.write(`${JSON.stringify(asJson(j, isInterrupted(j)))}\n`);
  else process.stdout.write(records.length ? `${table(records, isInterrupted)}\n` : "no jobs yet\n");
  const stateArg = opts.stateDir === ".etl" ? "" : ` --state-dir ${opts.stateDir}`;
  for (const id of stopped) process.stderr.write(`interrupted: job ${id}; resume it with: etl redrive ${id}${stateArg}\n`);
  return 0;
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withCommonOptions(cmd)
      .description("List the jobs of a state dir, newest first.")
      .option("--status <status>", "only jobs with this status")
      .option("--dataset <name>", "only jobs of this dataset")
      .addHelpText("after", EXAMPLES)
      .action(async (opts: JobsOptions) => finish(await jobs(opts)));
  },
};

export const { configure } = command;
