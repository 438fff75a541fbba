import { INCOMING_PREFIX } from "../core/config/matchDataset.ts";
import { ARCHIVED_PREFIX } from "../core/lake/layout.ts";

/** Key prefixes of the raw bucket: uploads wait in `incoming/` and move to `archived/` once processed. */
export const RAW_PREFIXES = { incoming: INCOMING_PREFIX, archived: ARCHIVED_PREFIX } as const;

/**
 * The top-level prefixes `core/lake/layout.ts` writes under in the lake bucket, which the IAM
 * grants are scoped to (test/infra checks that the two agree).
 */
export const LAKE_PREFIXES = {
  bronze: "bronze/",
  silver: "silver/",
  quarantine: "quarantine/",
  /** Gold computed by aggregate, published by load. */
  staging: "staging/",
  gold: "gold/",
  /** What each source key last wrote to silver and quarantine. */
  sourceManifests: "manifests/",
  /** What each step of each job wrote; the steps hand these to each other. */
  jobManifests: "jobs/",
} as const;
