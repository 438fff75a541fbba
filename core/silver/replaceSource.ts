import { partitionOf } from "../lake/layout.ts";
import type { CleanManifest } from "../pointers.ts";

/**
 * What a new upload under a key replaces: the earlier upload's silver and quarantine objects that
 * this job did not rewrite (to delete), and every day partition whose rows changed (to recompute
 * gold): the new ones and the earlier upload's. A re-run of the same job finds its own manifest,
 * which already lists the partitions of the upload it replaced.
 */
export function replaceSource(
  previous: CleanManifest | undefined,
  jobId: string,
  written: { silver: readonly string[]; quarantine: readonly string[] },
): { stale: string[]; partitions: string[] } {
  const kept = new Set([...written.silver, ...written.quarantine]);
  const stale = previous ? [...previous.silver, ...previous.quarantine].filter((k) => !kept.has(k)) : [];
  const earlier = !previous ? [] : previous.jobId === jobId ? previous.partitions : previous.silver.map(partitionOrFail);
  const partitions = new Set([...written.silver.map(partitionOrFail), ...earlier]);
  return { stale, partitions: [...partitions].sort() };
}

function partitionOrFail(key: string): string {
  const partition = partitionOf(key);
  if (!partition) throw new Error(`Silver key ${key} has no year=/month=/day= partition`);
  return partition;
}
