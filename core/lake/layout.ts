import { basename } from "node:path";
import { INCOMING_PREFIX } from "../config/matchDataset.ts";

/** Where the archive step moves processed uploads in the raw bucket. */
export const ARCHIVED_PREFIX = "archived/";

/** Key prefixes of the raw bucket: uploads wait in `incoming/` and move to `archived/` once processed. */
export const RAW_PREFIXES = { incoming: INCOMING_PREFIX, archived: ARCHIVED_PREFIX } as const;

/** The top-level prefixes of the lake bucket; stacks/ scopes each function's grants to them. */
export const LAKE_PREFIXES = {
  bronze: "bronze/",
  silver: "silver/",
  quarantine: "quarantine/",
  /**
   * A job's outputs before they are committed: silver and quarantine written by clean, gold
   * computed by aggregate. Outside every table's prefix, so no reader ever sees them.
   */
  staging: "staging/",
  gold: "gold/",
  /** What each version of a source key writes to silver and quarantine, once committed (core/commit/). */
  sourceManifests: "manifests/",
  /** What each step of each job wrote; the steps hand these to each other. */
  jobManifests: "jobs/",
  /** One JSON line per terminal transition of a job: the catalog's `jobs` table. */
  jobHistory: "job_history/",
  /** Each dataset's schema versions (`_schemas/<dataset>/v<N>.json`, core/schema). */
  schemas: "_schemas/",
  /** What each backfill's Distributed Map wrote about its items (its ResultWriter; workflows/backfill.ts). */
  backfillResults: "backfill_results/",
} as const;

const P = LAKE_PREFIXES;

/** How a compacted silver file's name starts (a source's files are `<file>-<jobId>.parquet`). */
export const COMPACTED_PREFIX = "compacted-";

/**
 * Every key the pipeline writes, in one place (docs/design.md lake layout). Partitions read
 * `year=YYYY/month=MM/day=DD`, zero-padded, and the catalog's projection uses the same form.
 */
export const lake = {
  /** The untouched copy of a job's upload. */
  bronze: (dataset: string, jobId: string, rawKey: string) => `${P.bronze}${dataset}/${jobId}/${basename(rawKey)}`,
  /** A dataset's silver table. */
  silverPrefix: (dataset: string) => `${P.silver}${dataset}/`,
  /**
   * One silver file of one job: the job id in the name keeps it apart from the file the previous
   * version of the same key wrote, so the commit adds the new one before it removes the old one.
   */
  silver: (dataset: string, partition: string, jobId: string, fileName: string) =>
    `${P.silver}${dataset}/${partition}/${fileName.replace(/\.parquet$/, "")}-${jobId}.parquet`,
  /** Rejected rows of one version of a source key, replaced with it. */
  quarantine: (dataset: string, sourceId: string, jobId: string) => `${P.quarantine}${dataset}/${sourceId}-${jobId}.parquet`,
  /** A gold model's partition: one object, replaced by a single PUT. */
  gold: (model: string, partition: string) => `${P.gold}${model}/${partition}/part.parquet`,
  /** Where a job stages an output before committing it: the output's own key under the job's staging folder. */
  staged: (jobId: string, key: string) => `${P.staging}${jobId}/${key}`,
  /** Everything a job staged. */
  stagingPrefix: (jobId: string) => `${P.staging}${jobId}/`,
  /** The objects one version of a source key writes; the outputs table points at it while that version is current. */
  sourceManifest: (dataset: string, sourceId: string, jobId: string) => `${P.sourceManifests}${dataset}/${sourceId}/${jobId}.json`,
  /** One output file of a silver partition's compaction generation `gen` (core/compact/). */
  compacted: (dataset: string, partition: string, gen: number, n: number) => `${P.silver}${dataset}/${partition}/${COMPACTED_PREFIX}g${gen}-${n}.parquet`,
  /**
   * A compaction generation's manifest, one per attempt (`writer`), so two compactions racing for
   * the same generation never overwrite each other's: the partition's record names the winner's.
   * `_compacted` is never a source id (those end in `-<hash>`).
   */
  compactionManifest: (dataset: string, partition: string, gen: number, writer: string) =>
    `${P.sourceManifests}${dataset}/_compacted/${partition}/g${gen}-${writer}.json`,
  /** What one step of one job wrote. */
  jobManifest: (jobId: string, step: string) => `${P.jobManifests}${jobId}/${step}.json`,
};

/** The archive key of an upload: `incoming/a/b.csv` → `archived/a/b.csv`. */
export function archivedKey(rawKey: string): string {
  return ARCHIVED_PREFIX + (rawKey.startsWith(INCOMING_PREFIX) ? rawKey.slice(INCOMING_PREFIX.length) : rawKey);
}

/** The partition of a silver key, e.g. `year=2024/month=01/day=05` (or `year=2024/month=01`, `year=2024` at a coarser grain), or undefined. */
export function partitionOf(key: string): string | undefined {
  // A coarser partition is never the prefix of a malformed finer one (`month=1`).
  return /(year=\d{4}(?:\/month=\d{2}(?:\/day=\d{2})?)?)\/(?!month=|day=)/.exec(key)?.[1];
}

/** The partition of a UTC date at a depth (1 year, 2 month, 3 day): `year=2024/month=01/day=05`, zero-padded. */
export function datePartition(date: Date, depth: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return [`year=${date.getUTCFullYear()}`, `month=${pad(date.getUTCMonth() + 1)}`, `day=${pad(date.getUTCDate())}`].slice(0, depth).join("/");
}

/** The month and year partitions holding a day partition: `year=2024/month=01/day=05` → `year=2024/month=01`, `year=2024`. */
export function coarserPartitions(partition: string): string[] {
  const parts = partition.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, parts.length - 1 - i).join("/"));
}
