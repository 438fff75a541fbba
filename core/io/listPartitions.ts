import { inParallel } from "../inParallel.ts";
import { partitionRuns } from "../lake/partitionRuns.ts";
import type { ObjectStore } from "./objectStore.ts";

/**
 * The keys under `<base><partition>/` for each partition, from one listing per run of calendar
 * neighbours (core/lake/partitionRuns.ts) rather than one per partition: the ~90 listings clean's
 * compaction check and aggregate each made for a quarter of days were a fifth of their calls.
 */
export async function listPartitions(store: ObjectStore, bucket: string, base: string, partitions: readonly string[]): Promise<Map<string, string[]>> {
  const listed = new Map(partitions.map((p) => [p, [] as string[]]));
  await inParallel(partitionRuns(partitions), async (run) => {
    const depth = run[0].split("/").length;
    const keys = await store.list(bucket, base, { startAfter: `${base}${run[0]}/`, through: `${base}${run[run.length - 1]}/` });
    for (const key of keys) {
      // The partition of a key is its first `depth` folders below the base; a run holds nothing else.
      const folders = key.slice(base.length).split("/");
      if (folders.length > depth) listed.get(folders.slice(0, depth).join("/"))?.push(key);
    }
  });
  return listed;
}
