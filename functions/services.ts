import config from "../etl.config.ts";
import type { EtlConfig } from "../core/config/defineConfig.ts";
import { createClients } from "../core/io/clients.ts";
import { ObjectStore } from "../core/io/objectStore.ts";
import { JobTable } from "../core/io/jobTable.ts";
import { Alerts } from "../core/io/alerts.ts";
import { loadSettings, type Settings } from "../core/settings.ts";
import type { EngineOptions } from "../core/engine/engine.ts";
import { engineLimits, functionMemoryMb } from "../core/engine/engineLimits.ts";

/** What every handler works with: settings, the user's config and the AWS-facing stores. */
export type Services = {
  settings: Settings;
  config: EtlConfig;
  store: ObjectStore;
  jobs: JobTable;
  alerts: Alerts;
  engine: (scratchDir: string) => EngineOptions;
};

let services: Services | undefined;
let configOverride: EtlConfig | undefined;

/**
 * The services, built on first use and then kept for the container's life (SDK clients reuse
 * their connections). Built lazily so the local runtime can set the endpoints first.
 */
export function getServices(): Services {
  if (services) return services;
  const settings = loadSettings();
  const clients = createClients();
  // DuckDB's threads and memory follow the function's size (etl run --memory locally, Lambda's on AWS).
  const limits = engineLimits(functionMemoryMb());
  services = {
    settings,
    config: configOverride ?? config,
    store: new ObjectStore(clients.s3),
    jobs: new JobTable(clients.dynamo, settings.ETL_JOBS_TABLE),
    alerts: new Alerts(clients.sns, settings.ETL_ALERTS_TOPIC_ARN),
    engine: (scratchDir) => ({ scratchDir, ...limits }),
  };
  return services;
}

/**
 * Rebuilds the services on next use, from the environment as it is then, with another config than
 * `etl.config.ts` if given (the CLI's `--config`). The local runtime calls it when it starts.
 */
export function resetServices(config?: EtlConfig): void {
  configOverride = config;
  services = undefined;
}
