import type { Command } from "commander";
import { existingStateDir } from "../../local/stateDir.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, withWriterOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";

const EXAMPLES = `
Recomputes a gold model's whole history from all silver rows of its dataset, after the model was
added or changed in the config; partitions it no longer has are removed and its catalog table
updated. A writer: it takes the state dir's lock.

Examples:
  $ etl rebuild daily_sales_summary
  $ etl rebuild product_performance --config my.config.ts`;

async function rebuild(name: string, opts: WriterOptions): Promise<number> {
  existingStateDir(opts.stateDir);
  const config = await loadConfig(opts.config);
  const model = config.gold.find((m) => m.name === name);
  if (!model) throw new UsageError(`no gold model ${name} in the config; the models are: ${config.gold.map((m) => m.name).join(", ") || "none"}`);
  const [{ runtime }, { getServices }, { rebuildModel }] = await Promise.all([
    openWriter("rebuild", opts, config),
    import("../../functions/services.ts"),
    import("../../local/rebuild/rebuildModel.ts"),
  ]);
  try {
    const result = await rebuildModel(getServices(), model);
    const line = `✔ rebuilt ${model.name}: ${result.published} partitions (${result.rows} rows) from silver, ${result.removed} stale removed (${result.jobId})`;
    process.stdout.write(opts.json ? `${JSON.stringify({ model: model.name, ...result })}\n` : `${line}\n`);
    return 0;
  } finally {
    await runtime.stop();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withWriterOptions(withCommonOptions(cmd))
      .description("Recompute a gold model's whole history from silver.")
      .argument("<model>", "the gold model, as named in the config")
      .addHelpText("after", EXAMPLES)
      .action(async (name: string, opts: WriterOptions) => finish(await rebuild(name, opts)));
  },
};

export const { configure } = command;
