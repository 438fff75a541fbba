import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../main.ts";
import { UsageError } from "../usageError.ts";

const usage = `Usage: etl query "<sql>" [options]
       etl query --tables

Runs SQL over the local lake with the same table names as in Athena: silver_<dataset>,
gold_<model>, quarantine_<dataset> and jobs (the job history). Silver has its partition columns
year, month and day. Reads the catalog the pipeline wrote into the state directory.

Options:
  --tables           list the tables with their columns and types
  --csv              print CSV (header line, then one line per row)
  --json             print one JSON object per row per line
  --state-dir DIR    where the local lake and catalog live (default .etl)

Example:
  npx etl query "SELECT year, month, day, COUNT(*) AS order_count, SUM(quantity * unit_price) AS total_revenue
                 FROM silver_sales GROUP BY year, month, day ORDER BY year, month, day"`;

const OPTIONS = {
  tables: { type: "boolean", default: false },
  csv: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  "state-dir": { type: "string", default: ".etl" },
} as const;

const command: Command = {
  description: "Query the local lake with SQL (Athena's table names).",
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.csv && values.json) throw new UsageError("--csv and --json exclude each other");
    if (values.tables ? positionals.length : positionals.length !== 1) throw new UsageError(values.tables ? "--tables takes no SQL" : "give one SQL statement, quoted");
    const { runQuery } = await import("../../local/query/runQuery.ts");
    return runQuery({
      stateDir: resolve(values["state-dir"]),
      sql: positionals[0],
      tables: values.tables,
      format: values.csv ? "csv" : values.json ? "json" : "table",
      out: process.stdout,
      err: process.stderr,
    });
  },
};

export default command;
