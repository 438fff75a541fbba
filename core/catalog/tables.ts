import { createHash } from "node:crypto";
import { declaredTypes, type EtlConfig } from "../config/defineConfig.ts";
import type { ColumnTypes } from "../gold/expressionType.ts";
import type { GoldModel } from "../config/goldModel.ts";
import { modelColumns } from "../gold/modelColumns.ts";
import { LAKE_PREFIXES, lake } from "../lake/layout.ts";
import { hiveType } from "./hiveType.ts";
import { JOB_HISTORY_COLUMNS } from "./jobHistory.ts";
import { partitionKeys, projectionParameters } from "./partitionProjection.ts";

/** A column as the catalog declares it: Hive type names (`bigint`, `string`, `decimal(12,2)`). */
export type CatalogColumn = { name: string; type: string };

/** One table of the catalog, independent of Glue's API shape (core/io/glueCatalog.ts maps it). */
export type TableDefinition = {
  name: string;
  description: string;
  /** `s3://bucket/prefix/`, ending in `/`. */
  location: string;
  format: "parquet" | "json";
  columns: CatalogColumn[];
  partitionKeys: CatalogColumn[];
  parameters: Record<string, string>;
};

/** Athena's table names, the same in `etl query`. */
export const tableName = {
  silver: (dataset: string) => `silver_${dataset}`,
  gold: (model: string) => `gold_${model}`,
  quarantine: (dataset: string) => `quarantine_${dataset}`,
  jobs: "jobs",
} as const;

/** Columns clean adds to every silver row (core/silver/buildSilver.ts). */
export const SILVER_METADATA = [
  { name: "_row_hash", type: "VARCHAR" },
  { name: "_source_key", type: "VARCHAR" },
  { name: "_job_id", type: "VARCHAR" },
  { name: "_processed_at", type: "TIMESTAMP WITH TIME ZONE" },
];

/** The quarantine's columns: the rejected row's reason, and the whole row as JSON text. */
export const QUARANTINE_COLUMNS = [
  { name: "_row_number", type: "BIGINT" },
  { name: "_rule", type: "VARCHAR" },
  { name: "_column", type: "VARCHAR" },
  { name: "_value", type: "VARCHAR" },
  { name: "_reason", type: "VARCHAR" },
  { name: "_record", type: "VARCHAR" },
  ...SILVER_METADATA.slice(1),
];

const PARTITION_NAMES = new Set(["year", "month", "day"]);

type Dataset = EtlConfig["datasets"][number];

/**
 * A silver table's columns: those the dataset's files actually have (from its stored schema
 * document or the Parquet written), then declared ones not seen yet, then clean's own columns.
 * A column never leaves the table: `known` (the table as it stands) keeps what earlier files had.
 */
export function silverColumns(declared: ColumnTypes, observed: readonly { name: string; type: string }[], known: readonly CatalogColumn[] = []): CatalogColumn[] {
  const columns = new Map<string, string>(known.map((c) => [c.name, c.type]));
  for (const c of observed) if (!PARTITION_NAMES.has(c.name)) columns.set(c.name, hiveType(c.type));
  for (const [name, type] of Object.entries(declared)) if (!columns.has(name)) columns.set(name, hiveType(type));
  for (const c of SILVER_METADATA) if (!columns.has(c.name)) columns.set(c.name, hiveType(c.type));
  return [...columns].map(([name, type]) => ({ name, type }));
}

function withHash(t: Omit<TableDefinition, "parameters"> & { parameters: Record<string, string> }): TableDefinition {
  const hash = createHash("sha256").update(JSON.stringify([t.columns, t.partitionKeys, t.location, t.format, t.parameters])).digest("hex").slice(0, 16);
  // The hash tells the pipeline whether a stored table is already this definition, in one GetTable.
  return { ...t, parameters: { ...t.parameters, "etl.definition": hash } };
}

const s3 = (bucket: string, prefix: string) => `s3://${bucket}/${prefix}`;

const PARQUET = { classification: "parquet", "parquet.compression": "ZSTD" };

/** A dataset's silver table, partitioned by day. */
export function silverTable(bucket: string, dataset: string, columns: CatalogColumn[]): TableDefinition {
  const location = s3(bucket, lake.silverPrefix(dataset));
  return withHash({
    name: tableName.silver(dataset),
    description: `Cleaned, typed rows of dataset ${dataset}, partitioned by event day.`,
    location,
    format: "parquet",
    columns,
    partitionKeys: partitionKeys("day"),
    parameters: { ...PARQUET, ...projectionParameters(location, "day") },
  });
}

/** A gold model's table, partitioned at the model's grain; typed from the config as its files are. */
export function goldTable(bucket: string, model: GoldModel, dataset: Dataset): TableDefinition {
  const location = s3(bucket, `${LAKE_PREFIXES.gold}${model.name}/`);
  return withHash({
    name: tableName.gold(model.name),
    description: `Gold model ${model.name} over dataset ${dataset.name}, one partition per ${model.grain}.`,
    location,
    format: "parquet",
    columns: modelColumns(model, declaredTypes(dataset)).map((c) => ({ name: c.name, type: hiveType(c.type) })),
    partitionKeys: partitionKeys(model.grain),
    parameters: { ...PARQUET, ...projectionParameters(location, model.grain) },
  });
}

/** A dataset's quarantine: one file per source key, not partitioned. */
export function quarantineTable(bucket: string, dataset: string): TableDefinition {
  return withHash({
    name: tableName.quarantine(dataset),
    description: `Rows of dataset ${dataset} that broke a rule, with the rule, the value and the reason.`,
    location: s3(bucket, `${LAKE_PREFIXES.quarantine}${dataset}/`),
    format: "parquet",
    columns: QUARANTINE_COLUMNS.map((c) => ({ name: c.name, type: hiveType(c.type) })),
    partitionKeys: [],
    parameters: { ...PARQUET },
  });
}

/** The job history: one JSON line per terminal transition of a job, partitioned by the day it ended. */
export function jobsTable(bucket: string): TableDefinition {
  const location = s3(bucket, LAKE_PREFIXES.jobHistory);
  return withHash({
    name: tableName.jobs,
    description: "Every job's end (success, failure, skip, supersede), with timings and row counts.",
    location,
    format: "json",
    columns: JOB_HISTORY_COLUMNS.map((c) => ({ name: c.name, type: hiveType(c.type) })),
    partitionKeys: partitionKeys("day"),
    parameters: { classification: "json", ...projectionParameters(location, "day") },
  });
}

/**
 * The tables a job of `dataset` needs to exist and be current: its silver and quarantine, its
 * models' gold, and the job history.
 */
export function datasetTables(config: EtlConfig, bucket: string, dataset: string, silver: CatalogColumn[]): TableDefinition[] {
  const declared = config.datasets.find((d) => d.name === dataset);
  return [
    silverTable(bucket, dataset, silver),
    quarantineTable(bucket, dataset),
    // Models need declared columns (defineConfig checks it), so a dataset without a declaration has none.
    ...(declared ? config.gold.filter((m) => m.dataset === dataset).map((m) => goldTable(bucket, m, declared)) : []),
    jobsTable(bucket),
  ];
}
