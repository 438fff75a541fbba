import { COMPACTED_PREFIX } from "../lake/layout.ts";

/** Whether a silver key is a compacted file (core/compact/), not one source's own file. */
export function isCompacted(key: string): boolean {
  return key.slice(key.lastIndexOf("/") + 1).startsWith(COMPACTED_PREFIX);
}

/**
 * Whether a partition's files are worth rewriting: automatically only past `maxFiles` Parquet
 * files; on demand (`etl compact`) as soon as it has more than one file or any is a source's own.
 */
export function needsCompaction(keys: readonly string[], maxFiles: number | "any"): boolean {
  const files = keys.filter((k) => k.endsWith(".parquet"));
  if (maxFiles === "any") return files.length > 1;
  return files.length > maxFiles;
}

/**
 * The jobs whose rows must leave the compacted files: those asked for (the versions a commit
 * retires) and those whose source key's committed version is now another job's (a replacement
 * that retired them while a compaction was merging their files). A job whose source has no
 * record keeps its rows: only a newer version of the key ever removes them.
 */
export function jobsToDrop(
  held: readonly { jobId: string; sourceKey: string }[],
  asked: readonly string[],
  committedJob: ReadonlyMap<string, string | undefined>,
): Set<string> {
  const drop = new Set(asked);
  for (const { jobId, sourceKey } of held) {
    const committed = committedJob.get(sourceKey);
    if (committed !== undefined && committed !== jobId) drop.add(jobId);
  }
  return drop;
}
