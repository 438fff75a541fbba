import { basename } from "node:path";
import type { Command } from "commander";
import { explainDataset, INCOMING_PREFIX } from "../../core/config/matchDataset.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { mustBeFile, positiveInteger, withCommonOptions, withWriterOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";

type RunOptions = WriterOptions & { key?: string; dataset?: string; fresh: boolean; concurrency: number };

const EXAMPLES = `
Each file is uploaded to the emulated raw bucket under incoming/<file name>, the event AWS would
send is built, and the same state machine runs on it. Up to --concurrency executions run at once;
each job is printed as it finishes. Exit code 0 when every job succeeded or was skipped, 1 when
any failed, 2 for a usage, config or state-dir error (nothing runs).

Examples:
  $ etl run samples/sales.csv
  $ etl run data/orders-2024.csv --dataset sales --json
  $ etl run data/*.csv --concurrency 4 --state-dir /tmp/etl-try`;

/** Why a key cannot be an upload's key, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  const name = key.slice(INCOMING_PREFIX.length);
  if (!key.startsWith(INCOMING_PREFIX) || !name) return `must start with ${INCOMING_PREFIX} and name a file below it`;
  if (Buffer.byteLength(key) > 1024) return "is longer than S3's 1024 bytes";
  if (key.endsWith("/")) return "ends with /, which names a folder, not a file";
  if (name.split("/").some((part) => part === "" || part === "." || part === "..")) return "has an empty, . or .. segment";
  // biome-ignore lint: control characters are what this looks for
  if (/[\u0000-\u001f\u007f]/.test(key)) return "contains a control character";
  return undefined;
}

async function run(files: string[], opts: RunOptions): Promise<number> {
  for (const f of files) mustBeFile(f);
  if (opts.key !== undefined) {
    if (files.length > 1) throw new UsageError("--key takes one file; run the files one by one");
    const problem = keyProblem(opts.key);
    if (problem) throw new UsageError(`--key ${JSON.stringify(opts.key)} ${problem}`);
  }
  const config = await loadConfig(opts.config);
  if (opts.dataset !== undefined && !config.datasets.some((d) => d.name === opts.dataset)) {
    const names = config.datasets.map((d) => d.name).join(", ") || "none";
    throw new UsageError(`--dataset ${opts.dataset} is not declared in the config; the datasets are: ${names}`);
  }
  const { runtime, report, progress } = await openWriter("run", opts, config, { fresh: opts.fresh, concurrency: opts.concurrency });
  let failed = false;
  try {
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++];
        const key = opts.key ?? `${INCOMING_PREFIX}${basename(file)}`;
        if (progress) {
          const match = explainDataset(config, key, opts.dataset);
          process.stderr.write(`${file} → s3://${runtime.env.ETL_RAW_BUCKET}/${key}\n`);
          progress.line(`dataset ${match.dataset.name}: ${opts.dataset ? "given by --dataset" : match.reason}`);
        }
        try {
          const event = await runtime.upload(file, key, opts.dataset);
          const result = await report(event, await runtime.execute(event));
          failed ||= result.status === "FAILED";
        } catch (error) {
          // One file's trouble (an upload refused, say) must not stop the executions in flight.
          failed = true;
          process.stderr.write(`etl run: ${file}: ${(error as Error).message}\n`);
          if (opts.verbose) process.stderr.write(`${(error as Error).stack}\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, files.length) }, worker));
  } finally {
    await runtime.stop();
  }
  if (progress) {
    const stateArg = opts.stateDir === ".etl" ? "" : ` --state-dir ${opts.stateDir}`;
    process.stderr.write(`look at the lake: npx etl query --tables${stateArg} · npx etl dashboard${stateArg}\n`);
  }
  return failed ? 1 : 0;
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withWriterOptions(withCommonOptions(cmd))
      .description("Run the pipeline locally on files: emulated AWS, the same state machine and handlers.")
      .argument("<file...>", "files to upload and process")
      .option("--key <key>", "S3 key to upload to (one file only; must start with incoming/)")
      .option("--dataset <name>", "use this declared dataset whatever the key (set as the object's metadata)")
      .option("--concurrency <n>", "run up to n executions at once", positiveInteger, 1)
      .option("--fresh", "empty the state dir first (only a dir etl created; anything else is refused)", false)
      .addHelpText("after", EXAMPLES)
      .action(async (files: string[], opts: RunOptions) => finish(await run(files, opts)));
  },
};

export const { configure } = command;
