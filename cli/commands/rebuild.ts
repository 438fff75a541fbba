import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { defineConfig } from "../../core/config/defineConfig.ts";
import type { Command } from "../main.ts";
import { UsageError } from "../usageError.ts";

const usage = `Usage: etl rebuild <model> [--state-dir DIR] [--config FILE]

Recomputes a gold model's whole history from all silver rows of its dataset, after the model
was added or changed in the config; partitions it no longer has are removed and its catalog
table updated.

Options:
  --state-dir DIR    where emulator state and the lake live (default .etl)
  --config FILE      dataset config (default etl.config.ts)`;

const OPTIONS = { "state-dir": { type: "string", default: ".etl" }, config: { type: "string" } } as const;

const command: Command = {
  description: "Recompute a gold model's whole history from silver.",
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError("name one gold model");
    if (values.config !== undefined && !existsSync(values.config)) throw new UsageError(`no such config file: ${values.config}`);
    const config = values.config
      ? defineConfig((await import(pathToFileURL(resolve(values.config)).href)).default)
      : (await import("../../etl.config.ts")).default;
    const model = config.gold.find((m) => m.name === positionals[0]);
    if (!model) throw new UsageError(`no gold model ${positionals[0]} in the config (${config.gold.map((m) => m.name).join(", ") || "none"})`);
    const [{ LocalRuntime }, { getServices }, { rebuildModel }, { mirrorLake }] = await Promise.all([
      import("../../local/runtime.ts"),
      import("../../functions/services.ts"),
      import("../../local/rebuild/rebuildModel.ts"),
      import("../../local/lakeMirror.ts"),
    ]);
    process.env.ETL_LOG_LEVEL ??= "warn";
    const stateDir = resolve(values["state-dir"]);
    const runtime = await LocalRuntime.start({ stateDir, config });
    try {
      const result = await rebuildModel(getServices(), model);
      await mirrorLake(join(stateDir, "lake"));
      process.stdout.write(
        `✔ rebuilt ${model.name}: ${result.published} partitions (${result.rows} rows) from silver, ${result.removed} stale removed (${result.jobId})\n`,
      );
      return 0;
    } finally {
      await runtime.stop();
    }
  },
};

export default command;
