import { lake } from "../lake/layout.ts";
import type { PartitionVersion } from "../pointers.ts";
import { needsCompaction } from "./compactionPlan.ts";
import { rewritePartition, type CompactionContext } from "./rewritePartition.ts";
import { listPartitions } from "../io/listPartitions.ts";

/**
 * Automatic compaction, run by clean right after a commit: each partition the commit changed that
 * now holds more than `maxFiles` Parquet files is compacted. Returns the partitions with the
 * version their last change got (a compaction bumps it), so the job's aggregate recomputes their
 * gold after the compaction's window, not from inside it; and how many were compacted. A partition
 * whose last compaction was killed before `done` is finished first, crowded or not: until then
 * every aggregate leaves its gold as it was (core/gold/stagePartitions.ts).
 */
export async function compactCrowded(
  c: CompactionContext,
  o: { dataset: string; maxFiles: number; targetBytes: number; partitions: readonly PartitionVersion[] },
): Promise<{ partitions: PartitionVersion[]; compacted: number }> {
  // The rewrites one at a time, each holding a DuckDB engine of the function's size.
  const records = await c.outputs.compactions(o.dataset, o.partitions.map((p) => p.partition));
  const listed = await listPartitions(c.store, c.bucket, lake.silverPrefix(o.dataset), o.partitions.map((p) => p.partition));
  const due = o.partitions.map((p) => {
    const crowded = needsCompaction(listed.get(p.partition)!, o.maxFiles);
    return { crowded, unfinished: !crowded && records.get(p.partition)?.state === "publishing" };
  });
  let compacted = 0;
  const partitions: PartitionVersion[] = [];
  for (const [i, p] of o.partitions.entries()) {
    const { crowded, unfinished } = due[i];
    if (!crowded && !unfinished) {
      partitions.push(p);
      continue;
    }
    const done = await rewritePartition(c, { dataset: o.dataset, partition: p.partition, compact: crowded, drop: [], targetBytes: o.targetBytes });
    if (done.version !== undefined) compacted++;
    partitions.push({ partition: p.partition, version: done.version ?? p.version });
  }
  return { partitions, compacted };
}
