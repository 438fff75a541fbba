import { STEPS } from "../steps.ts";
import type { JobRecord } from "./jobRecord.ts";

/** What a job cost and produced, from its record: the per-job receipt `etl job` shows. */
export type Receipt = {
  inputRows: number;
  silverRows: number;
  goldRows: number;
  bytesRead: number;
  bytesWritten: number;
  filesWritten: number;
  /** Mean size of the data files written, in bytes (0 when none). */
  averageFileBytes: number;
  /** Lambda GB-seconds of the last attempt of each step, and their sum. */
  gbSeconds: { total: number; byStep: Record<string, number> };
};

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/** GB-seconds of one step: its duration times the function's memory, as Lambda bills it. */
export function gbSeconds(durationMs: number, memoryMb: number): number {
  return round((durationMs / 1000) * (memoryMb / 1024), 4);
}

/**
 * The receipt of a job: its rows (the stats), and over its steps' records the bytes moved, the
 * data files written and the GB-seconds. A step's record is its last attempt's, so a redriven
 * job counts what its steps took the last time each ran.
 */
export function receipt(job: Pick<JobRecord, "stats" | "steps">): Receipt {
  const steps = STEPS.map((s) => [s, job.steps?.[s]] as const).filter((e) => e[1] !== undefined);
  const sum = (f: (t: NonNullable<(typeof steps)[number][1]>) => number | undefined) => steps.reduce((n, [, t]) => n + (f(t!) ?? 0), 0);
  const filesWritten = sum((t) => t.filesWritten);
  const byStep = Object.fromEntries(steps.filter(([, t]) => t!.gbSeconds !== undefined).map(([s, t]) => [s, t!.gbSeconds!]));
  return {
    inputRows: job.stats.inputRows,
    silverRows: job.stats.silverRows,
    goldRows: job.stats.goldRows,
    bytesRead: sum((t) => t.bytesRead),
    bytesWritten: sum((t) => t.bytesWritten),
    filesWritten,
    averageFileBytes: filesWritten ? Math.round(sum((t) => t.fileBytesWritten) / filesWritten) : 0,
    gbSeconds: { total: round(Object.values(byStep).reduce((a, b) => a + b, 0), 4), byStep },
  };
}
