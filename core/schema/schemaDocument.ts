import { createHash } from "node:crypto";
import * as v from "valibot";
import { LAKE_PREFIXES } from "../lake/layout.ts";

/** One column of a dataset's schema: its silver name, its stored DuckDB type, and whether the config declares it. */
export const SchemaColumnSchema = v.object({
  name: v.string(),
  type: v.string(),
  declared: v.boolean(),
  /** The text layout of an inferred date or timestamp column (strptime), as first found. */
  format: v.optional(v.string()),
});
export type SchemaColumn = v.InferOutput<typeof SchemaColumnSchema>;

/** What one version changed from the one before it. */
export const SchemaChangeSchema = v.object({
  column: v.string(),
  kind: v.picklist(["added", "widened", "redeclared"]),
  from: v.optional(v.string()),
  to: v.string(),
});
export type SchemaChange = v.InferOutput<typeof SchemaChangeSchema>;

/**
 * A dataset's schema as data (docs/design.md decision 13): stored in the lake as
 * `_schemas/<dataset>/v<N>.json`, written once per version (conditional create), never changed.
 * `hash` fingerprints the columns so a job can record which schema it was read against.
 */
export const SchemaDocumentSchema = v.object({
  dataset: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  hash: v.string(),
  columns: v.array(SchemaColumnSchema),
  /** The changes from version - 1 (empty for version 1). */
  changes: v.array(SchemaChangeSchema),
  /** The job that created this version: a re-run of it still announces the changes (functions/notify.ts). */
  jobId: v.optional(v.string()),
});
export type SchemaDocument = v.InferOutput<typeof SchemaDocumentSchema>;

/** The lake key of a schema version. */
export function schemaKey(dataset: string, version: number): string {
  return `${LAKE_PREFIXES.schemas}${dataset}/v${version}.json`;
}

/** A stable fingerprint of the columns: the same schema hashes the same in every run. */
export function schemaHash(columns: readonly SchemaColumn[]): string {
  const canonical = columns.map((c) => [c.name, c.type, c.declared, c.format ?? null]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16);
}

/** The columns whose type differs between two versions of a schema, with the newer type: what an older file must be cast to. */
export function typeChanges(from: SchemaDocument, to: SchemaDocument): Map<string, string> {
  const before = new Map(from.columns.map((c) => [c.name, c.type]));
  return new Map(to.columns.filter((c) => before.has(c.name) && before.get(c.name) !== c.type).map((c) => [c.name, c.type]));
}
