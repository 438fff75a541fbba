import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { defineConfig, type EtlConfig } from "../core/config/defineConfig.ts";
import { mustBeFile } from "./options.ts";
import { ConfigError } from "./usageError.ts";

/**
 * Loads and validates the dataset config: `--config`, else `etl.config.ts` in the current
 * directory, else the project's own. Any mistake (a wrong field, a syntax error, no default
 * export) is a ConfigError, exit code 2, naming the file and the field.
 */
export async function loadConfig(path: string | undefined): Promise<EtlConfig> {
  if (path !== undefined) mustBeFile(path, "config file");
  const file = path ?? (existsSync("etl.config.ts") ? "etl.config.ts" : undefined);
  const url = file ? pathToFileURL(resolve(file)).href : new URL("../etl.config.ts", import.meta.url).href;
  let module: { default?: unknown };
  try {
    module = await import(url);
  } catch (error) {
    throw new ConfigError(`${file ?? "etl.config.ts"}: ${(error as Error).message}`);
  }
  if (module.default === undefined) throw new ConfigError(`${file}: no default export; export default defineConfig({ datasets: [...] })`);
  try {
    return defineConfig(module.default as Parameters<typeof defineConfig>[0]);
  } catch (error) {
    throw new ConfigError(`${file ?? "etl.config.ts"}: ${(error as Error).message}`);
  }
}
