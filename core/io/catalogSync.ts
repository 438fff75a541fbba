import * as v from "valibot";
import type { EtlConfig } from "../config/defineConfig.ts";
import { declaredTypes } from "../config/defineConfig.ts";
import { datasetTables, silverColumns, tableName } from "../catalog/tables.ts";
import type { ColumnMapping } from "../job/jobRecord.ts";
import type { GlueCatalog } from "./glueCatalog.ts";
import type { ObjectStore } from "./objectStore.ts";
import { LAKE_PREFIXES } from "../lake/layout.ts";


/** The columns of a stored schema document, read loosely: a list of `{name, type}` or a map of name → type. */
const SchemaDocumentSchema = v.object({
  columns: v.union([
    v.array(v.object({ name: v.string(), type: v.string() })),
    v.record(v.string(), v.union([v.string(), v.object({ type: v.string() })])),
  ]),
});

/** The newest schema document of a dataset, as columns, or undefined before the first one. */
async function storedSchema(store: ObjectStore, bucket: string, dataset: string): Promise<{ name: string; type: string }[] | undefined> {
  const versions = (await store.list(bucket, `${LAKE_PREFIXES.schemas}${dataset}/`))
    .map((key) => ({ key, n: Number(/\/v(\d+)\.json$/.exec(key)?.[1] ?? NaN) }))
    .filter((x) => Number.isInteger(x.n))
    .sort((a, b) => b.n - a.n);
  if (!versions.length) return undefined;
  const parsed = v.safeParse(SchemaDocumentSchema, await store.getJson(({ bucket, key: versions[0].key })));
  if (!parsed.success) return undefined;
  const { columns } = parsed.output;
  return Array.isArray(columns)
    ? columns
    : Object.entries(columns).map(([name, t]) => ({ name, type: typeof t === "string" ? t : t.type }));
}

export type CatalogSyncInput = {
  catalog: GlueCatalog;
  store: ObjectStore;
  config: EtlConfig;
  lakeBucket: string;
  dataset: string;
  /** The columns this job wrote to silver, with their stored types (the job record's `columns`). */
  written: readonly ColumnMapping[];
};

/**
 * Keeps the catalog equal to the lake for one dataset: its silver table (typed from the stored
 * schema document when there is one, else from the columns the job wrote, never dropping a column
 * an earlier file had), its quarantine, its models' gold tables and the job history. Only tables
 * whose definition changed are written. Returns the names created or updated.
 */
export async function syncCatalog(input: CatalogSyncInput): Promise<string[]> {
  const { catalog, store, config, lakeBucket, dataset } = input;
  const declared = config.datasets.find((d) => d.name === dataset);
  const observed = (await storedSchema(store, lakeBucket, dataset)) ?? input.written.map((c) => ({ name: c.name, type: c.type }));
  const known = (await catalog.get(tableName.silver(dataset)))?.columns ?? [];
  const silver = silverColumns(declared ? declaredTypes(declared) : {}, observed, known);
  return catalog.ensure(datasetTables(config, lakeBucket, dataset, silver));
}
