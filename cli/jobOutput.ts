import { join } from "node:path";
import { isTerminalType, remedy } from "../core/job/remedy.ts";
import type { JobResult } from "../local/jobResult.ts";
import { colour } from "./colour.ts";

/** The human summary of one job, as `etl run` and `etl redrive` print it. */
export function summary(r: JobResult, lakeDir: string, stateDirArg: string): string {
  const s = r.stats;
  const out = process.stdout;
  const mark =
    r.status === "FAILED" ? colour(out, "red", "✘") : r.status === "SKIPPED" ? colour(out, "dim", "–") : colour(out, "green", "✔");
  const lines = [`${mark} ${r.status} ${r.dataset}  ${r.source.key}  (${r.jobId}, ${(r.durationMs / 1000).toFixed(1)} s)`];
  if (r.status === "SKIPPED") {
    lines.push("  a duplicate delivery of an object version already processed: nothing to do");
    return lines.join("\n");
  }
  if (r.replayOf) lines.push(`  replay of ${r.replayOf}`);
  if (r.retracted) {
    const raw = r.retracted.erased ? "its bronze and archived copies erased" : "its raw copies kept (--keep-raw)";
    lines.push(`  retracted ${r.retracted.key} (the version of ${r.retracted.of}): its rows left silver and quarantine and the gold they fed was recomputed; ${raw}`);
    return lines.join("\n");
  }
  // A file that failed before clean counted it has no row counts; its error says what it found.
  const counted = !(r.error && ["extract", "clean"].includes(r.error.step) && !s.inputRows);
  if (counted) lines.push(
    `  rows: ${s.inputRows} in → ${s.silverRows} silver, ${s.duplicateRows} duplicates, ${s.quarantinedRows} quarantined, ${s.droppedRows} dropped by null policy; ${s.goldRows} gold rows`,
  );
  const where = (keys: string[]) => (keys.length === 1 ? join(lakeDir, keys[0]) : `${keys.length} files under ${join(lakeDir, commonPrefix(keys))}`);
  if (r.outputs.silver.length) lines.push(`  silver:     ${where(r.outputs.silver)}`);
  if (r.outputs.gold.length) lines.push(`  gold:       ${where(r.outputs.gold)}`);
  if (r.outputs.quarantine.length) lines.push(`  quarantine: ${where(r.outputs.quarantine)}`);
  if (r.error) {
    lines.push(`  error at ${r.error.step}: ${r.error.type}: ${r.error.message}`);
    const stateDir = stateDirArg === ".etl" ? "" : ` --state-dir ${stateDirArg}`;
    const fix = remedy({ jobId: r.jobId, sourceKey: r.source.key }, r.error.step, isTerminalType(r.error.type), stateDir);
    lines.push(`  ${fix.action}`, `  fix: ${fix.command}`);
  }
  return lines.join("\n");
}

function commonPrefix(keys: string[]): string {
  let prefix = keys[0];
  for (const k of keys) while (!k.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf("/") + 1);
}

/** Prints one finished job: a JSON line with `--json`, else the summary. */
export function printJob(r: JobResult, options: { json: boolean; lakeDir: string; stateDirArg: string }): void {
  process.stdout.write(options.json ? `${JSON.stringify(r)}\n` : `${summary(r, options.lakeDir, options.stateDirArg)}\n`);
}
