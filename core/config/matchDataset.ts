import type { EtlConfig } from "./defineConfig.ts";
import type { Dataset } from "./dataset.ts";
import { DatasetSchema } from "./dataset.ts";
import { matchesGlob } from "./keyGlob.ts";
import { normalizeName } from "../naming/normalizeName.ts";
import * as v from "valibot";
import { UnmatchedDatasetError } from "../errors.ts";

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
  return explainDataset(config, key, forced).dataset;
}

/** Why a key got its dataset: the glob that matched, the name an uploader gave, or none (inferred). */
export type DatasetMatch = { dataset: Dataset; reason: string; glob?: string; inferred: boolean };

/** The dataset of a key, as `matchDataset` picks it, with the reason in words for `etl run` and `etl check`. */
export function explainDataset(config: EtlConfig, key: string, forced?: string): DatasetMatch {
  const relative = key.startsWith(INCOMING_PREFIX) ? key.slice(INCOMING_PREFIX.length) : key;
  if (forced) {
    const name = datasetName(forced);
    const declared = config.datasets.find((d) => d.name === name);
    return declared
      ? { dataset: declared, reason: `named by the upload's ${DATASET_METADATA} metadata`, inferred: false }
      : { dataset: inferredDataset(config, name, key), reason: `named ${name} by the upload's metadata, which no dataset declares; inferred`, inferred: true };
  }
  for (const d of config.datasets) {
    const glob = d.match.find((g) => matchesGlob(g, relative));
    if (glob) return { dataset: d, reason: `glob ${glob} matched ${relative}`, glob, inferred: false };
  }
  const name = inferredName(relative);
  const globs = config.datasets.flatMap((d) => d.match);
  return {
    dataset: inferredDataset(config, name, key),
    reason: `no glob matched ${relative}${globs.length ? ` (tried ${globs.join(", ")})` : ""}; became inferred dataset ${name}`,
    inferred: true,
  };
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

function inferredDataset(config: EtlConfig, name: string, key: string): Dataset {
  if (config.unmatched === "reject") {
    throw new UnmatchedDatasetError(
      `${key} matches no declared dataset, and the config sets unmatched: "reject"; declare a dataset whose match covers it, or set unmatched: "infer"`,
    );
  }
  return v.parse(DatasetSchema, { name, match: [`${name}/**`] });
}

/** True for a dataset the config does not declare: one a file created by its folder or name. */
export function isInferred(config: EtlConfig, dataset: string): boolean {
  return !config.datasets.some((d) => d.name === dataset);
}

/**
 * Fails a file that would create one inferred dataset more than `maxInferredDatasets` allows.
 * `known` lists the datasets the lake already holds (declared ones are ignored); a dataset
 * already among them never counts as new.
 */
export function checkInferredCap(config: EtlConfig, dataset: string, known: readonly string[], key: string): void {
  if (!isInferred(config, dataset)) return;
  const inferred = new Set(known.filter((d) => isInferred(config, d)));
  if (inferred.has(dataset) || inferred.size < config.maxInferredDatasets) return;
  throw new UnmatchedDatasetError(
    `${key} would create inferred dataset ${dataset}, but the lake already holds ${inferred.size} inferred datasets ` +
      `(maxInferredDatasets ${config.maxInferredDatasets}); declare the dataset in etl.config.ts or raise maxInferredDatasets`,
  );
}
