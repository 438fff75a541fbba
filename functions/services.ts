import config from "../etl.config.ts";
import type { EtlConfig } from "../core/config/defineConfig.ts";
import type { Env } from "../core/io/clients.ts";
import type { ObjectStore } from "../core/io/objectStore.ts";
import type { JobTable } from "../core/io/jobTable.ts";
import type { OutputTable } from "../core/io/outputTable.ts";
import type { Alerts } from "../core/io/alerts.ts";
import type { GlueCatalog } from "../core/io/glueCatalog.ts";
import type { QuickSightClient } from "@aws-sdk/client-quicksight";
import { loadSettings, type Settings } from "../core/settings.ts";
import type { EngineOptions } from "../core/engine/engine.ts";
import { engineLimits, functionMemoryMb } from "../core/engine/engineLimits.ts";
import type { FunctionName } from "../stacks/handlers.ts";

/** The AWS-facing stores a handler may use, each provided by a module of `functions/uses/`. */
export type Stores = {
  store: ObjectStore;
  jobs: JobTable;
  outputs: OutputTable;
  alerts: Alerts;
  catalog: GlueCatalog;
  /** SPICE refreshes (only with `quicksight.mode: "spice"`). */
  quicksight: QuickSightClient;
};

/** What every handler works with: settings, the user's config and the AWS-facing stores. */
export type Services = Stores & {
  settings: Settings;
  config: EtlConfig;
  engine: (scratchDir: string) => EngineOptions;
};

/** What a store is built from: the function's environment and settings, and SDK clients shared by its stores. */
export type StoreContext = { env: Env; settings: Settings; shared: <T>(name: string, make: () => T) => T };

type Factories = { [K in keyof Stores]?: (ctx: StoreContext) => Stores[K] };

/**
 * How each store is built, registered by the `functions/uses/<store>.ts` modules a handler
 * imports. A function's bundle thus carries the SDK clients of the stores its handler names and
 * no others (docs/bench.md "Per-function bundles"); the local runtime loads every handler, so
 * every store is there locally.
 */
const factories: Factories = {};

/** Registers how a store is built (called by `functions/uses/*`). */
export function provide<K extends keyof Stores>(name: K, factory: (ctx: StoreContext) => Stores[K]): void {
  (factories as Record<string, unknown>)[name] = factory;
}

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
 * reuse their connections). Built lazily so the local runtime can set the endpoints first. In Lambda each container runs one function, with that
 * function's role in its environment; locally each function signs as `etl-<fn>`.
 */
export function getServices(fn?: FunctionName): Services {
  const built = services.get(fn);
  if (built) return built;
  const env = { ...process.env, ...(fn ? options.env?.(fn) : undefined) };
  const settings = loadSettings();
  const clients = new Map<string, unknown>();
  const ctx: StoreContext = {
    env,
    settings,
    shared: <T>(name: string, make: () => T) => (clients.has(name) ? clients.get(name) : clients.set(name, make()).get(name)) as T,
  };
  // DuckDB's threads and memory follow the function's size (etl run --memory locally, Lambda's on AWS).
  const limits = engineLimits(functionMemoryMb());
  // Only the stores this process's modules provide; a handler that uses another fails its test (test/infra/bundles.test.ts).
  const stores = Object.fromEntries(Object.entries(factories).map(([name, factory]) => [name, factory(ctx)]));
  const created = { settings, config: configOverride ?? config, engine: (scratchDir: string) => ({ scratchDir, ...limits }), ...stores } as Services;
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
