import { availableParallelism } from "node:os";

/** Lambda gives a function one vCPU per 1,769 MB of memory (AWS Lambda docs, "Memory and computing power"). */
const MB_PER_VCPU = 1769;

/**
 * What the rest of the process needs besides DuckDB: Node, the SDK clients, the handler's own
 * buffers, and what DuckDB allocates outside its buffer manager (CSV reader and Parquet writer
 * buffers per thread). Measured at 150-250 MB for a clean step; Lambda kills a function that
 * goes over its size, so the margin errs high.
 */
const RESERVED_MB = 256;

/**
 * DuckDB's buffer manager holds to `memory_limit`, but not everything it allocates goes through
 * it (the CSV reader's and the Parquet writer's buffers, freed blocks the allocator keeps): in
 * clean, 0.3-0.5 GB more at one thread, whatever the limit. So DuckDB gets 40% of what is left.
 * Measured on the 1 GB file (14.1M rows; clean's read and silver chain alone; docs/bench.md,
 * round 9): at 1024 MB, 80% (614 MB) peaked at 0.94-1.15 GiB in four runs, over the function's
 * 1 GiB in some, and 300 MB (40% is 307) at 0.65-0.72 GiB in the same time. At 3008 MB (two
 * threads, 5M rows), 2201 MB peaked at 2.21-2.67 GiB and 1100 MB at 1.45-1.56 GiB, for a silver
 * chain 10% slower.
 */
const DUCKDB_SHARE = 0.4;

/** The smallest `memory_limit` DuckDB is given: below it, even spilling queries fail. */
const MIN_DUCKDB_MB = 128;

/**
 * glibc's malloc arenas for a process that runs DuckDB: 2 instead of up to 8 per core. What
 * DuckDB allocates outside its buffer manager (the sort, the hash, the Parquet writer) spread
 * over many arenas fragments: the 1 GB file's silver write under `--memory 1024` peaked at
 * 1.17-1.53 GB RSS in identical runs, with 2 arenas at 0.79-0.82 GB, at the same speed (5M rows,
 * 2 threads: 19.2-20.6 s against 18.3-19.6 s). glibc reads it when a process starts, so it is
 * set there: the functions' environment (stacks/functions.ts), the CLI's shebang
 * (cli/bin/etl.mjs, which cannot import it) and the benchmark's children.
 */
export const MALLOC_ARENA_MAX = "2";

/** DuckDB's share of memory and CPU. */
export type EngineLimits = { threads: number; memoryLimitMb?: number };

/**
 * The function's memory size in MB: `ETL_MEMORY_MB` (set locally by `etl run --memory`, to run
 * as a function of that size would) wins over Lambda's `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`;
 * undefined when neither is set, i.e. a local run with the whole machine.
 */
export function functionMemoryMb(env: Record<string, string | undefined> = process.env): number | undefined {
  for (const name of ["ETL_MEMORY_MB", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    const mb = Number(value);
    if (!Number.isInteger(mb) || mb < MIN_DUCKDB_MB + RESERVED_MB) {
      throw new Error(`${name} must be a whole number of MB, at least ${MIN_DUCKDB_MB + RESERVED_MB}: ${value}`);
    }
    return mb;
  }
  return undefined;
}

/**
 * DuckDB's threads and memory limit for a function of `memoryMb`: the threads Lambda's CPU share
 * pays for (never more than the cores the process sees, never fewer than one), and the memory
 * left after the reserve and headroom, so DuckDB spills to its temp directory instead of the function being
 * killed. Without a size (a local run), every core and DuckDB's own default limit (80% of RAM).
 */
export function engineLimits(memoryMb: number | undefined, cores = availableParallelism()): EngineLimits {
  if (memoryMb === undefined) return { threads: cores };
  return {
    threads: Math.max(1, Math.min(cores, Math.ceil(memoryMb / MB_PER_VCPU))),
    memoryLimitMb: Math.max(MIN_DUCKDB_MB, Math.floor((memoryMb - RESERVED_MB) * DUCKDB_SHARE)),
  };
}
