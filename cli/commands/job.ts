import { displayPath } from "../displayPath.ts";
import type { Command } from "commander";
import type { JobRecord } from "../../core/job/jobRecord.ts";
import { consoleLink } from "../../core/job/messages.ts";
import { receipt } from "../../core/job/receipt.ts";
import { isTerminalType, remedy } from "../../core/job/remedy.ts";
import { STEPS, stateName } from "../../core/steps.ts";
import { colour } from "../colour.ts";
import { durationMs } from "../jobLedger.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, type CommonOptions } from "../options.ts";
import { findJob, openLedger, type LedgerView } from "../stage/openLedger.ts";
import { withStageOptions } from "../stage/stageOptions.ts";
import type { StageOptions } from "../stage/stageOutputs.ts";

const EXAMPLES = `
Read-only: it never takes the state dir's lock nor waits for it.
With --json, one object, jobId first. The last line says the command that fixes a failed job.

Examples:
  $ etl job job-3f2a9c01d4e5b6a7c8d9
  $ etl jobs --status FAILED --json | head -1 | jq -r .jobId | xargs etl job
  $ etl job job-3f2a9c01d4e5b6a7c8d9 --stage dev`;

/** The whole record of one job, as `etl job --json` prints it. */
export async function jobDetail(job: JobRecord, ledger: LedgerView) {
  const raw = job as JobRecord & { schema_version?: number; schemaVersion?: number };
  const clean = (await ledger.manifest(job.manifests?.clean)) as { silver?: string[]; quarantine?: string[] } | undefined;
  const load = (await ledger.manifest(job.manifests?.load)) as { gold?: string[] } | undefined;
  const at = (keys: string[] | undefined) => (keys ?? []).map((k) => `${ledger.lakeBucket}/${k}`);
  const interrupted = ledger.interrupted(job);
  const fix =
    job.status === "FAILED" && job.error
      ? remedy({ jobId: job.job_id, sourceKey: job.source.key }, job.error.step, isTerminalType(job.error.type), ledger.target, ledger.upload)
      : interrupted
        ? { redrivable: true, command: `etl redrive ${job.job_id}${ledger.target}`, action: "Its process ended mid-step: redrive resumes it there." }
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
    receipt: receipt(job),
    ...(job.format ? { format: job.format } : {}),
    ...((raw.schema_version ?? raw.schemaVersion) !== undefined ? { schemaVersion: raw.schema_version ?? raw.schemaVersion } : {}),
    ...(job.columns ? { columns: job.columns } : {}),
    ...(job.expectations ? { expectations: job.expectations } : {}),
    outputs: { silver: at(clean?.silver), quarantine: at(clean?.quarantine), gold: at(load?.gold) },
    ...(job.error ? { error: { ...job.error, redrivable: fix?.redrivable ?? false } } : {}),
    executionArn: job.execution_id,
    consoleLink: consoleLink(job.execution_id),
    ...(ledger.journal ? { journal: ledger.journal(job) } : {}),
    ...(fix ? { fix: { command: fix.command, action: fix.action, ...("replay" in fix && fix.replay ? { replay: fix.replay } : {}) } } : {}),
    ...(job.expires_at ? { expiresAt: new Date(job.expires_at * 1000).toISOString() } : {}),
  };
}

const n = (x: number | undefined) => (x ?? 0).toLocaleString("en-US");
const secs = (ms: number | undefined) => (ms === undefined ? "" : `${(ms / 1000).toFixed(1)} s`);

/** What a step did, in rows, from the record's stats. */
function stepRows(step: string, d: Detail): string {
  const s = d.stats;
  if (step === "clean" && s.inputRows) {
    return `${n(s.inputRows)} rows → ${n(s.silverRows)} silver, ${n(s.duplicateRows)} duplicates, ${n(s.quarantinedRows)} quarantined, ${n(s.droppedRows)} dropped`;
  }
  if (step === "load" && s.goldRows) return `${n(s.goldRows)} gold rows`;
  return "";
}

type Detail = Awaited<ReturnType<typeof jobDetail>>;

function human(d: Detail): string {
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
  const r = d.receipt;
  if (r.gbSeconds.total > 0 || r.bytesRead > 0) {
    const mb = (bytes: number) => {
      const [value, unit] = bytes < 1024 ? [bytes, "B"] : bytes < 1024 ** 2 ? [bytes / 1024, "KB"] : bytes < 1024 ** 3 ? [bytes / 1024 ** 2, "MB"] : [bytes / 1024 ** 3, "GB"];
      return `${unit === "B" ? value : value.toFixed(1)} ${unit}`;
    };
    const perStep = Object.entries(r.gbSeconds.byStep).map(([s, g]) => `${s} ${g.toFixed(2)}`).join(", ");
    row("receipt", `${n(r.inputRows)} rows in, ${n(r.silverRows)} silver, ${n(r.goldRows)} gold; read ${mb(r.bytesRead)}, wrote ${mb(r.bytesWritten)}; ${n(r.filesWritten)} files written, ${mb(r.averageFileBytes)} on average`);
    row("lambda", `${r.gbSeconds.total.toFixed(2)} GB-s (${perStep})`);
  }
  const files = (label: string, keys: string[]) => keys.length && row(label, keys.length === 1 ? keys[0] : `${keys.length} files, first ${keys[0]}`);
  files("silver", d.outputs.silver);
  files("quarantine", d.outputs.quarantine);
  files("gold", d.outputs.gold);
  if (d.error) row("error", `${d.error.type} at ${d.error.step}: ${d.error.message}`);
  row("execution", d.executionArn);
  if (d.consoleLink) row("console", d.consoleLink);
  if (d.journal) row("journal", displayPath(d.journal));
  if (d.fix) {
    lines.push(`  ${d.fix.action}`);
    lines.push(`  fix:       ${colour(out, "bold", d.fix.command)}`);
    if (d.fix.replay) lines.push(`  or, after fixing etl.config.ts: ${colour(out, "bold", d.fix.replay)}`);
  }
  return lines.join("\n");
}

async function job(jobId: string, opts: CommonOptions & StageOptions): Promise<number> {
  const ledger = await openLedger(opts);
  try {
    const detail = await jobDetail(await findJob(ledger, jobId), ledger);
    process.stdout.write(opts.json ? `${JSON.stringify(detail)}\n` : `${human(detail)}\n`);
    return 0;
  } finally {
    ledger.close();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withStageOptions(withCommonOptions(cmd), ["jobsTable", "lakeBucket"])
      .description("Show one job's whole record: steps and their timings, format, outputs, error and the command that fixes it.")
      .argument("<jobId>", "the job (as etl run and etl jobs print it; a unique prefix will do)")
      .addHelpText("after", EXAMPLES)
      .action(async (jobId: string, opts: CommonOptions & StageOptions) => finish(await job(jobId, opts)));
  },
};

export const { configure } = command;
