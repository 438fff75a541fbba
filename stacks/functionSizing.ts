import type { FunctionName } from "./handlers.ts";
import { LARGEST_FUNCTION } from "../core/job/fileLimits.ts";

/** Memory, timeout and /tmp size of a function, in SST's notation, and whether it runs DuckDB. */
export type Sizing = {
  memory: `${number} MB`;
  timeout: `${number} minutes` | `${number} seconds`;
  storage?: `${number} MB`;
  duckdb: boolean;
};

/**
 * Clean and aggregate run DuckDB: 3008 MB gives about two vCPUs and room for DuckDB's measured
 * 1.4-1.8 GB peak on 5M rows with two threads (docs/design.md decision 1), and is the largest size a
 * new account may use without a quota raise. They get Lambda's full 15 minutes and 10 GB of
 * /tmp, where the input is downloaded (gunzipped too) and DuckDB spills. The other steps read a
 * few KB, make server-side copies of up to 5 GB (extract, archive: minutes, not seconds) or
 * write a few items: 256-512 MB. Fail stays well under the 60 s its Task allows. Extract refuses,
 * before any work, a file larger than the largest function handles (core/job/fileLimits.ts).
 */
/** The size of the DuckDB steps, in SST's notation. */
function duckdbFunction(): Sizing {
  const { memoryMb, timeoutSeconds, storageMb } = LARGEST_FUNCTION;
  return { memory: `${memoryMb} MB`, timeout: `${timeoutSeconds / 60} minutes`, storage: `${storageMb} MB`, duckdb: true };
}

export const FUNCTION_SIZING: Record<FunctionName, Sizing> = {
  extract: { memory: "512 MB", timeout: "5 minutes", duckdb: false },
  clean: duckdbFunction(),
  aggregate: duckdbFunction(),
  load: { memory: "512 MB", timeout: "5 minutes", duckdb: false },
  archive: { memory: "256 MB", timeout: "5 minutes", duckdb: false },
  notify: { memory: "256 MB", timeout: "30 seconds", duckdb: false },
  fail: { memory: "256 MB", timeout: "30 seconds", duckdb: false },
  // Pages through the RUNNING jobs of the status index: a few queries and updates an hour.
  sweep: { memory: "256 MB", timeout: "2 minutes", duckdb: false },
};
