import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Command } from "commander";
import type { JobRecord } from "../../core/job/jobRecord.ts";
import { consoleLink } from "../../core/job/messages.ts";
import { isTerminalType, remedy } from "../../core/job/remedy.ts";
import { STEPS, stateName } from "../../core/steps.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { colour } from "../colour.ts";
import { durationMs, readLedger, stateDirArg } from "../jobLedger.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, type CommonOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";

const EXAMPLES = `
Read-only: it never takes the state dir's lock nor waits for it.
With --json, one object, jobId first. The last line says the command that fixes a failed job.

Examples:
  $ etl job job-3f2a9c01d4e5b6a7c8d9
  $ etl jobs --status FAILED --json | head -1 | jq -r .jobId | xargs etl job`;

/** A step manifest in the lake, read as a plain file (the lake view of the state dir). */
function manifest(dir: string, key: string | undefined): Record<string, unknown> | undefined {
  const path = key && join(dir, "lake", LOCAL_NAMES.lakeBucket, key);
  return path && existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>) : undefined;
}

/** The whole record of one job, as `etl job --json` prints it. */
export function jobDetail(job: JobRecord, dir: string, interrupted: boolean, stateDir: string) {
  const raw = job as JobRecord & { schema_version?: number; schemaVersion?: number };
  const clean = manifest(dir, job.manifests?.clean) as { silver?: string[]; quarantine?: string[] } | undefined;
  const load = manifest(dir, job.manifests?.load) as { gold?: string[] } | undefined;
  const at = (keys: string[] | undefined) => (keys ?? []).map((k) => `${LOCAL_NAMES.lakeBucket}/${k}`);
  const executionName = job.execution_id.split(":").pop() ?? "";
  const fix =
    job.status === "FAILED" && job.error
      ? remedy({ jobId: job.job_id, sourceKey: job.source.key }, job.error.step, isTerminalType(job.error.type), stateDirArg(stateDir))
      : interrupted
        ? { redrivable: true, command: `etl redrive ${job.job_id}${stateDirArg(stateDir)}`, action: "Its process ended mid-step: redrive resumes it there." }
        : undefined;
  return {
    jobId: job.job_id,
    dataset: job.dataset,
    status: job.status,
    ...(interrupted ? { interrupted: true } : {}),
    step: job.step,
    source: { bucket: job.source.bucket, key: job.source.key, versionId: job.source.versionId, size: job.source.size, etag: job.source.etag },
    ...(job.replayOf ? { replayOf: job.replayOf } : {}),
    ...(job.retracted ? { retracted: job.retracted } : {}),
    attempts: job.attempts,
    redrives: Math.max(0, job.attempts - 1),
    startedAt: job.started_at,
    ...(job.finished_at ? { finishedAt: job.finished_at, durationMs: durationMs(job) } : {}),
    steps: job.steps ?? {},
    stats: job.stats,
    ...(job.format ? { format: job.format } : {}),
    ...((raw.schema_version ?? raw.schemaVersion) !== undefined ? { schemaVersion: raw.schema_version ?? raw.schemaVersion } : {}),
    ...(job.columns ? { columns: job.columns } : {}),
    ...(job.expectations ? { expectations: job.expectations } : {}),
    outputs: { silver: at(clean?.silver), quarantine: at(clean?.quarantine), gold: at(load?.gold) },
    ...(job.error ? { error: { ...job.error, redrivable: fix?.redrivable ?? false } } : {}),
    executionArn: job.execution_id,
    consoleLink: consoleLink(job.execution_id),
    journal: join(dir, "executions", `${executionName}.jsonl`),
    ...(fix ? { fix: { command: fix.command, action: fix.action, ...("replay" in fix && fix.replay ? { replay: fix.replay } : {}) } } : {}),
    ...(job.expires_at ? { expiresAt: new Date(job.expires_at * 1000).toISOString() } : {}),
  };
}

const n = (x: number | undefined) => (x ?? 0).toLocaleString("en-US");
const secs = (ms: number | undefined) => (ms === undefined ? "" : `${(ms / 1000).toFixed(1)} s`);

/** What a step did, in rows, from the record's stats. */
function stepRows(step: string, d: ReturnType<typeof jobDetail>): string {
  const s = d.stats;
  if (step === "clean" && s.inputRows) {
    return `${n(s.inputRows)} rows → ${n(s.silverRows)} silver, ${n(s.duplicateRows)} duplicates, ${n(s.quarantinedRows)} quarantined, ${n(s.droppedRows)} dropped`;
  }
  if (step === "load" && s.goldRows) return `${n(s.goldRows)} gold rows`;
  return "";
}

function human(d: ReturnType<typeof jobDetail>): string {
  const out = process.stdout;
  const status = d.interrupted ? "INTERRUPTED" : d.status;
  const style = status === "SUCCESS" ? "green" : status === "FAILED" || status === "INTERRUPTED" ? "red" : "yellow";
  const lines = [`${colour(out, "bold", d.jobId)}  ${colour(out, style, status)}${d.status === "SUCCESS" ? "" : ` at ${d.step}`}  ${d.dataset}`];
  const row = (label: string, text: string) => lines.push(`  ${`${label}:`.padEnd(11)} ${text}`);
  const src = d.source;
  row("source", `s3://${src.bucket}/${src.key}${src.versionId ? `  version ${src.versionId}` : ""}${src.size !== undefined ? `  ${n(src.size)} bytes` : ""}`);
  if (d.replayOf) row("replay of", `${d.replayOf} (its version of the key, re-processed as this job)`);
  if (d.retracted) {
    row("retracted", `${d.retracted.key}, the version of ${d.retracted.of}; raw copies ${d.retracted.erased ? "erased" : "kept (--keep-raw)"}`);
  }
  row("attempts", `${d.attempts}${d.redrives ? ` (${d.redrives} redrive${d.redrives > 1 ? "s" : ""})` : ""}`);
  row("started", `${d.startedAt}${d.finishedAt ? `   finished ${d.finishedAt} (${secs(d.durationMs)})` : ""}`);
  if (d.format) {
    const f = d.format;
    const dialect = f.dialect
      ? `; delimiter ${JSON.stringify(f.dialect.delimiter)}${f.dialect.quote ? `, quote ${JSON.stringify(f.dialect.quote)}` : ""}, ${f.dialect.header ? "header row" : "no header"}`
      : "";
    row("format", `${f.format}${f.compression !== "none" ? ` (${f.compression})` : ""}${f.encoding ? `, ${f.encoding}` : ""}${dialect}`);
  }
  if (d.schemaVersion !== undefined) row("schema", `v${d.schemaVersion}`);
  if (d.columns) row("columns", d.columns.map((c) => `${c.name} ${c.type}`).join(", "));
  const broken = (d.expectations ?? []).filter((e) => e.violations > 0);
  if (broken.length) row("rules", broken.map((e) => `${e.column} ${e.rule}: ${n(e.violations)} (${e.action})`).join("; "));
  const timed = STEPS.filter((s) => d.steps[s]);
  // A step that failed before it could time itself (a timeout, a crash) still shows where it stopped.
  const stopped = d.error && !d.steps[d.error.step as (typeof STEPS)[number]] ? d.error.step : undefined;
  if (timed.length || stopped) {
    lines.push("  steps:");
    for (const s of timed) {
      const t = d.steps[s]!;
      const mark = t.failed ? colour(out, "red", "✘") : t.finishedAt ? colour(out, "green", "✔") : "·";
      lines.push(`    ${mark} ${stateName(s).padEnd(9)} ${secs(t.durationMs).padStart(7)}  ${t.failed ? "failed" : stepRows(s, d)}`.trimEnd());
    }
    if (stopped) lines.push(`    ${colour(out, "red", "✘")} ${(stopped[0].toUpperCase() + stopped.slice(1)).padEnd(9)} ${"".padStart(7)}  failed`);
  }
  const files = (label: string, keys: string[]) => keys.length && row(label, keys.length === 1 ? keys[0] : `${keys.length} files, first ${keys[0]}`);
  files("silver", d.outputs.silver);
  files("quarantine", d.outputs.quarantine);
  files("gold", d.outputs.gold);
  if (d.error) row("error", `${d.error.type} at ${d.error.step}: ${d.error.message}`);
  row("execution", d.executionArn);
  if (d.consoleLink) row("console", d.consoleLink);
  row("journal", relative(process.cwd(), d.journal));
  if (d.fix) {
    lines.push(`  ${d.fix.action}`);
    lines.push(`  fix:       ${colour(out, "bold", d.fix.command)}`);
    if (d.fix.replay) lines.push(`  or, after fixing etl.config.ts: ${colour(out, "bold", d.fix.replay)}`);
  }
  return lines.join("\n");
}

async function job(jobId: string, opts: CommonOptions): Promise<number> {
  const ledger = await readLedger(opts.stateDir);
  const record = ledger.records.find((j) => j.job_id === jobId);
  if (!record) {
    const near = ledger.records.filter((j) => j.job_id.startsWith(jobId));
    if (near.length === 1) return print(near[0]);
    throw new UsageError(
      near.length > 1 ? `${jobId} names ${near.length} jobs; give more of the id` : `no job ${jobId} in ${opts.stateDir} (etl jobs lists them)`,
    );
  }
  return print(record);

  function print(r: JobRecord): number {
    const detail = jobDetail(r, ledger.dir, ledger.interrupted(r), opts.stateDir);
    process.stdout.write(opts.json ? `${JSON.stringify(detail)}\n` : `${human(detail)}\n`);
    return 0;
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withCommonOptions(cmd)
      .description("Show one job's whole record: steps and their timings, format, outputs, error and the command that fixes it.")
      .argument("<jobId>", "the job (as etl run and etl jobs print it; a unique prefix will do)")
      .addHelpText("after", EXAMPLES)
      .action(async (jobId: string, opts: CommonOptions) => finish(await job(jobId, opts)));
  },
};

export const { configure } = command;
