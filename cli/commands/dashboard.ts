import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, type CommonOptions } from "../options.ts";

type DashboardOptions = CommonOptions & { out?: string };

const EXAMPLES = `
Writes one self-contained HTML page (it needs no network to open) with the sales overview,
daily trends, product performance and ETL job monitoring, computed from the local lake.

Examples:
  $ etl dashboard
  $ etl dashboard --out /tmp/sales.html`;

async function dashboard(opts: DashboardOptions): Promise<number> {
  const stateDir = resolve(opts.stateDir);
  const { buildDashboard } = await import("../../local/dashboard/buildDashboard.ts");
  const html = await buildDashboard(stateDir);
  if (!html) {
    process.stderr.write(`etl dashboard: no catalog in ${stateDir} yet; run \`npx etl run <file>\` first\n`);
    return 1;
  }
  const out = resolve(opts.out ?? join(stateDir, "dashboard.html"));
  writeFileSync(out, html);
  process.stderr.write(`dashboard written to ${out}\n`);
  return 0;
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withCommonOptions(cmd)
      .description("Write a self-contained HTML dashboard of the local lake.")
      .option("--out <file>", "where to write the page (default <state-dir>/dashboard.html)")
      .addHelpText("after", EXAMPLES)
      .action(async (opts: DashboardOptions) => finish(await dashboard(opts)));
  },
};

export const { configure } = command;
