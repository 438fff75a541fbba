import { resolve } from "node:path";
import type { Command } from "commander";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, type CommonOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";

type QueryOptions = CommonOptions & { tables: boolean; csv: boolean };

const EXAMPLES = `
Runs SQL over the local lake with the same table names as in Athena: silver_<dataset>,
gold_<model>, quarantine_<dataset> and jobs (the job history). Silver has its partition columns
year, month and day. Reads the catalog the pipeline wrote into the state dir (no --config needed);
read-only: it never waits for a writer. SQL errors exit 1 with DuckDB's message.

Examples:
  $ etl query --tables
  $ etl query "SELECT year, month, day, COUNT(*) AS order_count, SUM(quantity * unit_price) AS total_revenue
               FROM silver_sales GROUP BY year, month, day ORDER BY year, month, day"
  $ etl query "SELECT * FROM gold_daily_sales_summary" --csv`;

async function query(sql: string | undefined, opts: QueryOptions): Promise<number> {
  if (opts.csv && opts.json) throw new UsageError("--csv and --json exclude each other");
  if (opts.tables ? sql !== undefined : sql === undefined) throw new UsageError(opts.tables ? "--tables takes no SQL" : "give one SQL statement, quoted");
  const { runQuery } = await import("../../local/query/runQuery.ts");
  return runQuery({
    stateDir: resolve(opts.stateDir),
    sql: sql ?? "",
    tables: opts.tables,
    format: opts.csv ? "csv" : opts.json ? "json" : "table",
    out: process.stdout,
    err: process.stderr,
  });
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withCommonOptions(cmd)
      .description("Query the local lake with SQL, with Athena's table names.")
      .argument("[sql]", "one SQL statement, quoted")
      .option("--tables", "list the tables with their columns and types", false)
      .option("--csv", "print CSV (a header line, then one line per row)", false)
      .addHelpText("after", EXAMPLES)
      .action(async (sql: string | undefined, opts: QueryOptions) => finish(await query(sql, opts)));
  },
};

export const { configure } = command;
