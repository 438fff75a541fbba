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
  /** Gold computed by aggregate, published by load; outside gold/ so no table covers it. */
  staging: "staging/",
  gold: "gold/",
  /** What each source key last wrote to silver and quarantine. */
  sourceManifests: "manifests/",
  /** What each step of each job wrote; the steps hand these to each other. */
  jobManifests: "jobs/",
  /** Each dataset's schema versions (`_schemas/<dataset>/v<N>.json`, core/schema). */
  schemas: "_schemas/",
} as const;

const P = LAKE_PREFIXES;

/**
 * Every key the pipeline writes, in one place (DESIGN.md lake layout). Partitions read
 * `year=YYYY/month=MM/day=DD`, zero-padded, and the catalog's projection uses the same form.
 */
export const lake = {
  /** The untouched copy of a job's upload. */
  bronze: (dataset: string, jobId: string, rawKey: string) => `${P.bronze}${dataset}/${jobId}/${basename(rawKey)}`,
  /** A dataset's silver table. */
  silverPrefix: (dataset: string) => `${P.silver}${dataset}/`,
  /** Rejected rows of one source key, replaced with it. */
  quarantine: (dataset: string, sourceId: string) => `${P.quarantine}${dataset}/${sourceId}.parquet`,
  /** A gold model's partition: one object, replaced by a single PUT. */
  gold: (model: string, partition: string) => `${P.gold}${model}/${partition}/part.parquet`,
  /** A gold partition computed by a job, waiting for the load step to publish it. */
  staging: (jobId: string, model: string, partition: string) => `${P.staging}${jobId}/gold/${model}/${partition}/part.parquet`,
  /** What a source key last wrote to silver and quarantine, so a new upload replaces exactly that. */
  sourceManifest: (dataset: string, sourceId: string) => `${P.sourceManifests}${dataset}/${sourceId}.json`,
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
