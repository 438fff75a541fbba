import { existsSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { EtlConfig } from "../../core/config/defineConfig.ts";
import { defineConfig } from "../../core/config/defineConfig.ts";
import { INCOMING_PREFIX } from "../../core/config/matchDataset.ts";
import type { JobResult } from "../../local/jobResult.ts";
import type { Command } from "../main.ts";
import { UsageError } from "../usageError.ts";

const usage = `Usage: etl run <file…> [options]

Runs the pipeline locally on each file, in order: uploads it to the emulated raw bucket under
incoming/<file name>, sends the event AWS would send, and executes the same state machine.

Options:
  --key KEY          S3 key to upload to (one file only; must start with incoming/)
  --dataset NAME     use this dataset whatever the key (set as the object's metadata)
  --state-dir DIR    where emulator state and the lake live (default .etl)
  --fresh            delete the state directory first
  --config FILE      dataset config (default etl.config.ts)
  --json             print one JSON object per job on stdout; logs go to stderr
  --verbose          print the steps' structured logs on stderr

Example:
  npx etl run samples/sales.csv
  npx etl run data/orders-2024.csv --dataset sales --json`;

const OPTIONS = {
  key: { type: "string" },
  dataset: { type: "string" },
  "state-dir": { type: "string", default: ".etl" },
  fresh: { type: "boolean", default: false },
  config: { type: "string" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
} as const;

function parse(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals: files } = parsed;
  if (!files.length) throw new UsageError("no file given");
  for (const f of files) {
    if (!existsSync(f) || !statSync(f).isFile()) throw new UsageError(`no such file: ${f}`);
  }
  if (values.key !== undefined) {
    if (files.length > 1) throw new UsageError("--key takes one file; run the files one by one");
    if (!values.key.startsWith(INCOMING_PREFIX) || values.key.length > 1024 || values.key.split("/").some((p) => p === ".." || p === ".")) {
      throw new UsageError(`--key must start with ${INCOMING_PREFIX}, have no . or .. segments and be at most 1024 characters: ${values.key}`);
    }
  }
  if (values.config !== undefined && !existsSync(values.config)) throw new UsageError(`no such config file: ${values.config}`);
  return { ...values, files };
}

async function loadConfig(path: string | undefined): Promise<EtlConfig | undefined> {
  if (!path) return undefined;
  const module = await import(pathToFileURL(resolve(path)).href);
  return defineConfig(module.default);
}

function summary(r: JobResult, lakeDir: string): string {
  const s = r.stats;
  const mark = r.status === "FAILED" ? "✘" : r.status === "SKIPPED" ? "–" : "✔";
  const lines = [`${mark} ${r.status} ${r.dataset}  ${r.source.key}  (${r.jobId}, ${(r.durationMs / 1000).toFixed(1)} s)`];
  if (r.status === "SKIPPED") {
    lines.push("  a duplicate delivery of an object version already processed: nothing to do");
    return lines.join("\n");
  }
  lines.push(
    `  rows: ${s.inputRows} in → ${s.silverRows} silver, ${s.duplicateRows} duplicates, ${s.quarantinedRows} quarantined, ${s.droppedRows} dropped by null policy; ${s.goldRows} gold rows`,
  );
  const where = (keys: string[]) => (keys.length === 1 ? join(lakeDir, keys[0]) : `${keys.length} files under ${join(lakeDir, commonPrefix(keys))}`);
  if (r.outputs.silver.length) lines.push(`  silver:     ${where(r.outputs.silver)}`);
  if (r.outputs.gold.length) lines.push(`  gold:       ${where(r.outputs.gold)}`);
  if (r.outputs.quarantine.length) lines.push(`  quarantine: ${where(r.outputs.quarantine)}`);
  if (r.error) {
    lines.push(`  error at ${r.error.step}: ${r.error.type}: ${r.error.message}`);
    lines.push(`  the file stays in the raw bucket under ${r.source.key}; fix it and run again`);
  }
  return lines.join("\n");
}

function commonPrefix(keys: string[]): string {
  let prefix = keys[0];
  for (const k of keys) while (!k.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf("/") + 1);
}

const command: Command = {
  description: "Run the pipeline locally on files (emulated AWS, same code).",
  usage,
  async run(args) {
    const opts = parse(args);
    // Loaded after the arguments are checked: a usage error answers at once.
    const [{ LocalRuntime }, { jobResult }] = await Promise.all([import("../../local/runtime.ts"), import("../../local/jobResult.ts")]);
    const config = await loadConfig(opts.config);
    process.env.ETL_LOG_LEVEL ??= opts.verbose ? "info" : "warn";
    const stateDir = resolve(opts["state-dir"]);
    const lakeDir = join(stateDir, "lake");
    const progress = !opts.json || opts.verbose;
    const runtime = await LocalRuntime.start({
      stateDir,
      fresh: opts.fresh,
      config,
      onState: progress ? (state) => process.stderr.write(`  · ${state}\n`) : undefined,
    });
    let failed = false;
    try {
      for (const file of opts.files) {
        const key = opts.key ?? `${INCOMING_PREFIX}${basename(file)}`;
        if (progress) process.stderr.write(`${file} → s3://${runtime.env.ETL_RAW_BUCKET}/${key}\n`);
        const event = await runtime.upload(file, key, opts.dataset);
        const outcome = await runtime.execute(event);
        const result = await jobResult(event, outcome);
        failed ||= result.status === "FAILED";
        process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${summary(result, relative(process.cwd(), lakeDir) || ".")}\n`);
      }
    } finally {
      await runtime.stop();
    }
    return failed ? 1 : 0;
  },
};

export default command;
