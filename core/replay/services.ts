import type { EtlConfig } from "../config/defineConfig.ts";
import type { JobTable } from "../io/jobTable.ts";
import type { ObjectStore } from "../io/objectStore.ts";
import type { OutputTable } from "../io/outputTable.ts";
import type { Settings } from "../settings.ts";

/**
 * What planning a replay or retract reads: the ledger, the outputs guard and the buckets. The
 * local CLI passes the local runtime's; a deployed stage passes clients with the caller's
 * credentials. Planning only reads; the executions it plans do the work.
 */
export type ReprocessServices = {
  config: EtlConfig;
  settings: Pick<Settings, "ETL_RAW_BUCKET" | "ETL_LAKE_BUCKET">;
  jobs: Pick<JobTable, "get" | "ofDataset">;
  outputs: Pick<OutputTable, "source">;
  store: Pick<ObjectStore, "head">;
};
