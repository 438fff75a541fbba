import { datePartition } from "./layout.ts";

/** A partition's calendar fields: `year=2024/month=01/day=31` → [2024, 1, 31]; undefined if it is not one. */
function fields(partition: string): number[] | undefined {
  const m = /^year=(\d{4})(?:\/month=(\d{2})(?:\/day=(\d{2}))?)?$/.exec(partition);
  return m ? m.slice(1).filter((f) => f !== undefined).map(Number) : undefined;
}

/** The partition right after one at its own grain: the next day, month or year (`…/month=12/day=31` → the next year's January 1st). */
export function nextPartition(partition: string): string | undefined {
  const f = fields(partition);
  if (!f) return undefined;
  const [y, m = 1, d = 1] = f;
  const next = new Date(Date.UTC(y + (f.length === 1 ? 1 : 0), m - 1 + (f.length === 2 ? 1 : 0), d + (f.length === 3 ? 1 : 0)));
  return datePartition(next, f.length);
}

/**
 * Partitions grouped into runs of calendar neighbours at one grain (…/day=31, then the next
 * month's day=01): in the lake's key order nothing lies between two neighbours but their own
 * files, so one listing from a run's first partition to its last serves all of it, wasting no
 * key (90 days of a quarter: one call instead of 90). Anything else is a run of its own. Runs
 * come in key order, each sorted, every partition once.
 */
export function partitionRuns(partitions: readonly string[]): string[][] {
  const runs: string[][] = [];
  // Each run by the partition that would extend it.
  const open = new Map<string, string[]>();
  for (const partition of [...new Set(partitions)].sort()) {
    let run = open.get(partition);
    open.delete(partition);
    if (run) run.push(partition);
    else runs.push((run = [partition]));
    const next = nextPartition(partition);
    if (next) open.set(next, run);
  }
  return runs;
}
