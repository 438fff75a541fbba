import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { Command } from "commander";
import { INCOMING_PREFIX } from "../../core/config/matchDataset.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { positiveInteger, withCommonOptions, withWriterOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";
import { keyProblem } from "./run.ts";

type BackfillOptions = WriterOptions & { prefix?: string; concurrency: number; fresh: boolean };

const EXAMPLES = `
Runs the pipeline on every object under a prefix of the raw bucket, each as its own child
execution, up to --concurrency at once: what the deployed backfill state machine (a Step
Functions Distributed Map over the prefix) does on AWS. Given a local folder, its files are
uploaded under incoming/<prefix> first (the prefix defaults to the folder's name).

Each key's current version is processed; a version already processed ends SKIPPED, one a newer
upload replaced meanwhile SUPERSEDED: a backfill never loads a file twice. Progress goes to
stderr; with --json, stdout carries one line per job. Exit code 1 when any child failed (the
summary says whether the run as a whole passed the tolerated-failure rule), 2 for a usage error.

Examples:
  $ etl backfill sales/2024/                  everything under incoming/sales/2024/
  $ etl backfill data/history --prefix sales/history/ --concurrency 4
  $ etl backfill incoming/ --json`;

/** The listed prefix: always inside incoming/, and a folder's when it ends with one. */
function incomingPrefix(prefix: string): string {
  const full = prefix.startsWith(INCOMING_PREFIX) ? prefix : `${INCOMING_PREFIX}${prefix}`;
  const problem = full === INCOMING_PREFIX ? undefined : keyProblem(full.endsWith("/") ? `${full}x` : full);
  if (problem) throw new UsageError(`prefix ${JSON.stringify(prefix)} ${problem}`);
  return full;
}

/** Every regular file under a folder, sorted, as paths relative to it. */
function filesUnder(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(relative(folder, path));
    }
  };
  walk(folder);
  return found;
}

async function backfill(target: string, opts: BackfillOptions): Promise<number> {
  const folder = existsSync(target) && statSync(target).isDirectory() ? target : undefined;
  if (!folder && opts.prefix !== undefined) throw new UsageError("--prefix names where a folder's files go; give a folder, or the prefix alone");
  const prefix = incomingPrefix(folder ? (opts.prefix ?? `${basename(folder)}/`) : target);
  const files = folder ? filesUnder(folder) : [];
  if (folder && files.length === 0) throw new UsageError(`${folder} holds no files`);
  const config = await loadConfig(opts.config);
  const { runtime, report } = await openWriter("backfill", opts, config, { fresh: opts.fresh, concurrency: opts.concurrency });
  const { runBackfill } = await import("../../local/backfill.ts");
  const say = (line: string) => process.stderr.write(`${line}\n`);
  try {
    if (folder) {
      // Locally an upload sends no event: only the backfill runs them.
      let next = 0;
      const upload = async () => {
        while (next < files.length) {
          const file = files[next++];
          await runtime.upload(join(folder, file), `${prefix}${prefix.endsWith("/") ? "" : "/"}${file.split("\\").join("/")}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, files.length) }, upload));
      say(`backfill: uploaded ${files.length} files from ${folder} under s3://${runtime.env.ETL_RAW_BUCKET}/${prefix}`);
    }
    let done = 0;
    let failed = 0;
    const summary = await runBackfill(runtime, {
      prefix,
      concurrency: opts.concurrency,
      onItem: async (item) => {
        done++;
        if (item.status === "FAILED") failed++;
        const counts = `backfill: ${done} done, ${failed} failed`;
        if (item.child) await report(item.child.event, item.child.outcome);
        else if (item.status === "FAILED") say(`backfill: ${item.key}: ${item.error?.Error}: ${item.error?.Cause}`);
        else say(`backfill: ${item.key}: nothing to run (${item.ended})`);
        say(counts);
      },
    });
    const share = summary.items ? ((summary.failed / summary.items) * 100).toFixed(1) : "0.0";
    say(
      `backfill ${prefix}: ${summary.items} items, ${summary.succeeded} succeeded, ${summary.failed} failed (${share}%; up to ${summary.toleratedFailurePercentage}% is tolerated)` +
        `${summary.notRun ? `, ${summary.notRun} not started` : ""}: the map run ${summary.status}`,
    );
    // A failed item's version keeps its job id: running the backfill again would find the job and skip it.
    if (summary.failed) {
      say("see each failed job with etl job <jobId>; fix the cause and resume it with etl redrive <jobId>, or, for a file that cannot pass, upload a corrected one under its key (etl run <file> --key <key>)");
    }
    return summary.failed ? 1 : 0;
  } finally {
    await runtime.stop();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withWriterOptions(withCommonOptions(cmd))
      .description("Run the pipeline on every object under a prefix of the raw bucket (a local folder is uploaded there first).")
      .argument("<prefix|folder>", "a prefix below incoming/ (incoming/ may be given), or a local folder to upload and process")
      .option("--prefix <prefix>", "with a folder: the prefix below incoming/ to upload its files under (default: the folder's name)")
      .option("--concurrency <n>", "run up to n child executions at once", positiveInteger, 4)
      .option("--fresh", "empty the state dir first (only a dir etl created; anything else is refused)", false)
      .addHelpText("after", EXAMPLES)
      .action(async (target: string, opts: BackfillOptions) => finish(await backfill(target, opts)));
  },
};

export const { configure } = command;
