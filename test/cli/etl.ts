import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/** What one `etl` process did. */
export type EtlRun = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; json: any[] };

function result(code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string): EtlRun {
  return {
    code,
    signal,
    stdout,
    stderr,
    // Parsed when asked: every stdout line of a --json run must be JSON.
    get json() {
      return stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    },
  };
}

const ENV = { ETL_LOG_LEVEL: "", ETL_FAULT: "", NO_COLOR: "1" };

/** The `etl` entry point, as `npx etl` runs it. */
export const ETL_ENTRY = join(process.cwd(), "cli/bin/etl.mjs");

/** Runs `node cli/bin/etl.mjs …` as a user would, and waits for it. */
export function etl(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): EtlRun {
  const out = spawnSync(process.execPath, [ETL_ENTRY, ...args], {
    encoding: "utf8",
    cwd: options.cwd,
    env: { ...process.env, ...ENV, ...options.env },
  });
  return result(out.status, out.signal, out.stdout, out.stderr);
}

/** Starts `etl …` in the background; `done` resolves when it exits. */
export function etlAsync(args: string[], options: { env?: Record<string, string> } = {}): { pid: number; done: Promise<EtlRun> } {
  const child = spawn(process.execPath, [ETL_ENTRY, ...args], {
    env: { ...process.env, ...ENV, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<EtlRun>((resolve) => child.on("close", (code, signal) => resolve(result(code, signal, stdout, stderr))));
  return { pid: child.pid!, done };
}

/** The job ids the state dir's journals name (a killed run prints none), oldest first. */
export function journaledJobIds(stateDir: string): string[] {
  const dir = join(stateDir, "executions");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8").split("\n")[0]))
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((e) => e.jobId);
}

/** The lake as a reader sees it, through DuckDB on the plain files: what two runs must agree on. */
export async function lakeView(stateDir: string) {
  const lake = join(stateDir, "lake", "etl-lake");
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
  // Gold models differ in columns: read them by name, each model's rows keeping its own.
  const files = (layer: string) => `read_parquet('${lake}/${layer}/**/*.parquet', hive_partitioning = false, union_by_name = true)`;
  const has = (layer: string) => {
    try {
      return readdirSync(join(lake, layer)).length > 0;
    } catch {
      return false;
    }
  };
  try {
    return {
      silverRows: has("silver") ? Number((await rows(`SELECT count(*) AS n FROM ${files("silver")}`))[0].n) : 0,
      silverHashes: has("silver") ? (await rows(`SELECT _row_hash FROM ${files("silver")} ORDER BY 1`)).map((r) => r._row_hash) : [],
      gold: has("gold")
        ? JSON.stringify(await rows(`SELECT COLUMNS(c -> c NOT LIKE '\\_%' ESCAPE '\\') FROM ${files("gold")} ORDER BY ALL`), (_k, v) =>
            // An average is a float sum, whose last bits depend on the order DuckDB's threads add in.
            typeof v === "bigint" ? Number(v) : typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v,
          )
        : "[]",
      quarantineRows: has("quarantine") ? Number((await rows(`SELECT count(*) AS n FROM ${files("quarantine")}`))[0].n) : 0,
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
