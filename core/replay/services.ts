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

/** How a plan draws its job ids. */
export type PlanOptions = {
  /**
   * The same request on the same committed version gets the same job id (on a stage it names
   * the execution, so Step Functions starts a retyped command once); else random.
   */
  idempotent?: boolean;
  /** What the commands a refusal names need appended (` --stage S` on a stage). */
  target?: string;
};
