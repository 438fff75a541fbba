import { availableParallelism } from "node:os";
import config from "../etl.config.ts";
import type { EtlConfig } from "../core/config/defineConfig.ts";
import { createClients } from "../core/io/clients.ts";
import { ObjectStore } from "../core/io/objectStore.ts";
import { JobTable } from "../core/io/jobTable.ts";
import { Alerts } from "../core/io/alerts.ts";
import { GlueCatalog } from "../core/io/glueCatalog.ts";
import { loadSettings, type Settings } from "../core/settings.ts";
import type { EngineOptions } from "../core/engine/engine.ts";

/** What every handler works with: settings, the user's config and the AWS-facing stores. */
export type Services = {
  settings: Settings;
  config: EtlConfig;
  store: ObjectStore;
  jobs: JobTable;
  alerts: Alerts;
  catalog: GlueCatalog;
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
  // Lambda gives CPU in proportion to memory; DuckDB gets most of the memory, the rest is Node's.
  const lambdaMb = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || undefined;
  services = {
    settings,
    config: configOverride ?? config,
    store: new ObjectStore(clients.s3),
    jobs: new JobTable(clients.dynamo, settings.ETL_JOBS_TABLE),
    alerts: new Alerts(clients.sns, settings.ETL_ALERTS_TOPIC_ARN),
    catalog: new GlueCatalog(clients.glue, settings.ETL_GLUE_DATABASE),
    engine: (scratchDir) => ({
      scratchDir,
      threads: Math.min(availableParallelism(), 4),
      memoryLimitMb: lambdaMb ? Math.floor(lambdaMb * 0.7) : undefined,
    }),
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
