import config from "../etl.config.ts";
import type { EtlConfig } from "../core/config/defineConfig.ts";
import { createClients } from "../core/io/clients.ts";
import { ObjectStore } from "../core/io/objectStore.ts";
import { meterTransfers } from "../core/io/transferMeter.ts";
import { JobTable } from "../core/io/jobTable.ts";
import { OutputTable } from "../core/io/outputTable.ts";
import { FAILED_JOB_TTL_DAYS } from "../core/job/retention.ts";
import { Alerts } from "../core/io/alerts.ts";
import { GlueCatalog } from "../core/io/glueCatalog.ts";
import { loadSettings, type Settings } from "../core/settings.ts";
import type { QuickSightClient } from "@aws-sdk/client-quicksight";
import type { EngineOptions } from "../core/engine/engine.ts";
import { engineLimits, functionMemoryMb } from "../core/engine/engineLimits.ts";
import type { FunctionName } from "../stacks/handlers.ts";

/** What every handler works with: settings, the user's config and the AWS-facing stores. */
export type Services = {
  settings: Settings;
  config: EtlConfig;
  store: ObjectStore;
  jobs: JobTable;
  outputs: OutputTable;
  alerts: Alerts;
  catalog: GlueCatalog;
  /** SPICE refreshes (only with `quicksight.mode: "spice"`). */
  quicksight: QuickSightClient;
  engine: (scratchDir: string) => EngineOptions;
};

/** How the services are built: another config, and environment variables per function. */
export type ServicesOptions = {
  /** Variables a function's services see over `process.env` (the local runtime gives each its own credentials). */
  env?: (fn: FunctionName) => Record<string, string>;
};

/** Keyed by function; `undefined` is the caller's own identity (the CLI and tests reading results). */
const services = new Map<FunctionName | undefined, Services>();
let configOverride: EtlConfig | undefined;
let options: ServicesOptions = {};

/**
 * A function's services, built on first use and then kept for the container's life (SDK clients
 * reuse their connections). Built lazily so the local runtime can set the endpoints first. In
 * Lambda each container runs one function, with that function's role in its environment.
 */
export function getServices(fn?: FunctionName): Services {
  const built = services.get(fn);
  if (built) return built;
  const env = { ...process.env, ...(fn ? options.env?.(fn) : undefined) };
  const settings = loadSettings();
  const clients = createClients(env);
  // Each step's S3 traffic is counted for its job's receipt (functions/defineStep.ts).
  meterTransfers(clients.s3);
  // DuckDB's threads and memory follow the function's size (etl run --memory locally, Lambda's on AWS).
  const limits = engineLimits(functionMemoryMb());
  const created: Services = {
    settings,
    config: configOverride ?? config,
    store: new ObjectStore(clients.s3),
    jobs: new JobTable(clients.dynamo, settings.ETL_JOBS_TABLE, { finalDays: settings.ETL_JOB_TTL_DAYS, failedDays: FAILED_JOB_TTL_DAYS }),
    outputs: new OutputTable(clients.dynamo, settings.ETL_OUTPUTS_TABLE),
    alerts: new Alerts(clients.sns, settings.ETL_ALERTS_TOPIC_ARN),
    catalog: new GlueCatalog(clients.glue, settings.ETL_GLUE_DATABASE),
    quicksight: clients.quicksight,
    engine: (scratchDir) => ({ scratchDir, ...limits }),
  };
  services.set(fn, created);
  return created;
}

/**
 * Rebuilds the services on next use, from the environment as it is then, with another config than
 * `etl.config.ts` if given (the CLI's `--config`). The local runtime calls it when it starts.
 */
export function resetServices(config?: EtlConfig, servicesOptions: ServicesOptions = {}): void {
  configOverride = config;
  options = servicesOptions;
  services.clear();
}
