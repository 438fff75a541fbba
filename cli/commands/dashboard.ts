import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../main.ts";
import { UsageError } from "../usageError.ts";

const usage = `Usage: etl dashboard [--out FILE] [--state-dir DIR]

Writes a self-contained HTML page (no network needed to open it) with the sales overview, daily
trends, product performance and ETL job monitoring, computed from the local lake.

Options:
  --out FILE         where to write the page (default <state-dir>/dashboard.html)
  --state-dir DIR    where the local lake and catalog live (default .etl)`;

const OPTIONS = { out: { type: "string" }, "state-dir": { type: "string", default: ".etl" } } as const;

const command: Command = {
  description: "Write an HTML dashboard of the local lake.",
  usage,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const stateDir = resolve(values["state-dir"]);
    const { buildDashboard } = await import("../../local/dashboard/buildDashboard.ts");
    const html = await buildDashboard(stateDir);
    if (!html) {
      process.stderr.write(`etl dashboard: no catalog in ${stateDir} yet; run \`npx etl run <file>\` first\n`);
      return 1;
    }
    const out = resolve(values.out ?? `${stateDir}/dashboard.html`);
    writeFileSync(out, html);
    process.stderr.write(`dashboard written to ${out}\n`);
    return 0;
  },
};

export default command;
