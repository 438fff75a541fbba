import type { EtlConfig } from "./defineConfig.ts";
import type { Dataset } from "./dataset.ts";
import { DatasetSchema } from "./dataset.ts";
import { globToRegExp } from "./globToRegExp.ts";
import { normalizeName } from "../naming/normalizeName.ts";
import * as v from "valibot";

/** User metadata (`x-amz-meta-etl-dataset`) with which an uploader picks the dataset, whatever the key. */
export const DATASET_METADATA = "etl-dataset";

/** The prefix uploads land under in the raw bucket. */
export const INCOMING_PREFIX = "incoming/";

/**
 * The dataset a raw key belongs to: the first configured dataset whose glob matches the key
 * below `incoming/`, else an inferred dataset named after the key's first folder (or the file's
 * stem for a file directly under `incoming/`), with no declared columns.
 */
export function matchDataset(config: EtlConfig, key: string, forced?: string): Dataset {
  const relative = key.startsWith(INCOMING_PREFIX) ? key.slice(INCOMING_PREFIX.length) : key;
  if (forced) {
    const name = datasetName(forced);
    return config.datasets.find((d) => d.name === name) ?? inferredDataset(name);
  }
  const hit = config.datasets.find((d) => d.match.some((g) => globToRegExp(g).test(relative)));
  return hit ?? inferredDataset(inferredName(relative));
}

function inferredName(relative: string): string {
  const parts = relative.split("/");
  return datasetName(parts.length > 1 ? parts[0] : parts[0].replace(/(\.[a-z0-9]+)+$/i, ""));
}

/** A valid dataset name made from any text: a folder, a file stem, a name an uploader gave. */
function datasetName(raw: string): string {
  const name = normalizeName(raw) || "unnamed";
  return /^[0-9]/.test(name) ? `d_${name}` : name;
}

function inferredDataset(name: string): Dataset {
  return v.parse(DatasetSchema, { name, match: [`${name}/**`] });
}
