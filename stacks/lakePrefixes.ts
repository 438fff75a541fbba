import { INCOMING_PREFIX } from "../core/config/matchDataset.ts";

/** Key prefixes of the raw bucket: uploads wait in `incoming/` and move to `archived/` once processed. */
export const RAW_PREFIXES = { incoming: INCOMING_PREFIX, archived: "archived/" } as const;

/**
 * Key prefixes of the lake bucket, one per layer (DESIGN.md "Lake layout"). Aggregate writes
 * gold to `staging/gold/` and load publishes it under `gold/`: staging sits outside `gold/`
 * so that no Athena table location ever covers a half-written model, and so that aggregate's
 * grant cannot reach published gold.
 */
export const LAKE_PREFIXES = {
  bronze: "bronze/",
  silver: "silver/",
  goldStaging: "staging/gold/",
  gold: "gold/",
  quarantine: "quarantine/",
} as const;
