import type { Command } from "commander";
import { existingStateDir } from "../../local/stateDir.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, withWriterOptions } from "../options.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";

const EXAMPLES = `
Rewrites silver partitions holding more than one Parquet file into files of about the dataset's
compaction.targetMb (default 128 MB), keeping every row and column (_source_key included, so a
later upload of a key still replaces exactly its rows), then recomputes their gold. Clean does
the same by itself past compaction.maxFiles files (default 32). A writer: it takes the state
dir's lock.

Examples:
  $ etl compact --dry-run
  $ etl compact --dataset sales
  $ etl compact --dataset sales --partition year=2024/month=03/day=05`;

type CompactOptions = WriterOptions & { dataset?: string; partition: string[]; dryRun: boolean };

async function compact(opts: CompactOptions): Promise<number> {
  existingStateDir(opts.stateDir);
  const config = await loadConfig(opts.config);
  const [{ runtime }, { getServices }, { compactLake, compactTargets }] = await Promise.all([
    openWriter("compact", opts, config),
    import("../../functions/services.ts"),
    import("../../local/compact/compactLake.ts"),
  ]);
  try {
    const services = getServices();
    const targets = await compactTargets(services, { dataset: opts.dataset, partitions: opts.partition });
    const results = opts.dryRun ? targets.map((t) => ({ ...t, filesAfter: undefined })) : await compactLake(services, targets);
    for (const r of results) {
      const line = opts.dryRun
        ? `would compact ${r.dataset}/${r.partition}: ${r.files} files`
        : `✔ compacted ${r.dataset}/${r.partition}: ${r.files} files → ${r.filesAfter}`;
      process.stdout.write(opts.json ? `${JSON.stringify({ ...r, dryRun: opts.dryRun })}\n` : `${line}\n`);
    }
    if (!results.length && !opts.json) process.stdout.write("nothing to compact: every partition holds at most one file\n");
    return 0;
  } finally {
    await runtime.stop();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withWriterOptions(withCommonOptions(cmd))
      .description("Compact silver partitions of many small files, then recompute their gold.")
      .option("--dataset <name>", "only this dataset's partitions")
      .option("--partition <path>", "only this partition, as year=YYYY/month=MM/day=DD (repeatable)", (p: string, all: string[]) => [...all, p], [])
      .option("--dry-run", "list what would be compacted, change nothing", false)
      .addHelpText("after", EXAMPLES)
      .action(async (opts: CompactOptions) => finish(await compact(opts)));
  },
};

export const { configure } = command;
