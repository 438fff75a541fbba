import { join } from "node:path";
import type { Engine } from "../engine/engine.ts";
import type { ObjectStore } from "../io/objectStore.ts";
import type { OutputTable } from "../io/outputTable.ts";
import { lake, partitionOf } from "../lake/layout.ts";
import type { PartitionVersion } from "../pointers.ts";
import { typeChanges, type SchemaDocument } from "../schema/schemaDocument.ts";
import { conformFile } from "../silver/conformFile.ts";
import { rewriteInPlace } from "./rewriteInPlace.ts";

/** User metadata of a silver object: the schema version whose types it has. */
export const SCHEMA_VERSION_METADATA = "etl-schema-version";

/** HEAD requests in flight at once while a pass looks for older files. */
const HEADS_AT_ONCE = 16;

export type ConformInput = {
  store: ObjectStore;
  outputs: OutputTable;
  engine: Engine;
  bucket: string;
  dataset: string;
  jobId: string;
  /** Every version of the dataset's schema, read after this job's own writes, oldest first. */
  versions: readonly SchemaDocument[];
  /** A scratch folder for the files being rewritten. */
  dir: string;
};

/**
 * Keeps one physical type per column in every silver file of a dataset (issue 7 item 5): when a
 * schema version changed a column's type (an inferred `code` widened BIGINT → VARCHAR, a declared
 * type redeclared), the files written under older versions are rewritten to the newest types.
 *
 * Each silver object carries the version it was written with (`etl-schema-version`). A **pass**
 * lists the dataset's silver files and rewrites those of older types; it runs when the outputs
 * table's `schema#<dataset>` mark is behind the newest version with a type change, and then moves
 * the mark. Concurrent jobs: the job that creates a version runs its pass after creating it, and
 * every job checks `own` (the files it just committed) after they are visible, against the
 * versions read after that: a file committed too late for a pass's listing is caught by its own
 * job, since that job reads the schema after the pass's version exists. Every rewrite goes
 * through `rewriteInPlace` (If-Match), so racing passes, a commit retiring a file, or a redrive
 * copying it again lose nothing. Rewritten partitions are bumped (after the rewrite is visible) so
 * gold recomputes them; the partitions are written to `jobs/<job>/conform.json` first, so a
 * re-run after a kill bumps them too.
 *
 * Cost: nothing when no type changed. A type change costs one LIST per 1000 silver files of the
 * dataset, one HEAD per file, and for each file of older types one GET, one DuckDB rewrite and one
 * PUT, plus a version bump (and gold recomputation) per partition holding such a file.
 */
export async function conformSilver(c: ConformInput, own: readonly string[] = []): Promise<PartitionVersion[]> {
  const latest = c.versions.at(-1);
  if (!latest) return [];
  const conformed = await c.outputs.conformedSchema(c.dataset);
  // Before any mark (a dataset older than this pass) every file is looked at once.
  const pass = conformed === undefined || (conformed < latest.version && changesSince(c.versions, conformed));
  const keys = pass ? (await c.store.list(c.bucket, lake.silverPrefix(c.dataset))).filter((k) => k.endsWith(".parquet")) : own;
  const stale = await olderFiles(c, keys, latest);

  const intent = { bucket: c.bucket, key: lake.jobManifest(c.jobId, "conform") };
  const earlier = (await c.store.getJson<{ partitions: string[] }>(intent))?.partitions ?? [];
  if (stale.length) await c.store.putJson(intent, { partitions: [...new Set([...earlier, ...stale.map((k) => partitionOf(k)!)])] });
  const rewritten = new Set(earlier);
  for (const [i, key] of stale.entries()) {
    const wrote = await rewriteInPlace(c.store, { bucket: c.bucket, key }, c.dir, async (info, fetch) => {
      const from = fileVersion(info.metadata);
      if (from !== undefined && from >= latest.version) return undefined;
      const types = targetTypes(c.versions, from, latest);
      const file = join(c.dir, `out-${i}.parquet`);
      if (!(await conformFile(c.engine, await fetch(), file, types, key))) return undefined;
      return { file, metadata: { ...info.metadata, [SCHEMA_VERSION_METADATA]: String(latest.version) } };
    });
    // A file another pass rewrote first is bumped by that pass.
    if (wrote) rewritten.add(partitionOf(key)!);
  }
  const bumped = await c.outputs.bumpPartitions(c.dataset, [...rewritten].sort());
  if (pass) await c.outputs.markConformed(c.dataset, latest.version);
  return bumped;
}

/** Whether a version after `since` changed a column's type. */
function changesSince(versions: readonly SchemaDocument[], since: number): boolean {
  const before = versions[since - 1];
  return !before || typeChanges(before, versions.at(-1)!).size > 0;
}

function fileVersion(metadata: Record<string, string>): number | undefined {
  const n = Number(metadata[SCHEMA_VERSION_METADATA]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The types a file of version `from` must be cast to; every column's when its version is unknown (the rewrite compares them). */
function targetTypes(versions: readonly SchemaDocument[], from: number | undefined, latest: SchemaDocument): Map<string, string> {
  const before = from === undefined ? undefined : versions[from - 1];
  return before ? typeChanges(before, latest) : new Map(latest.columns.map((col) => [col.name, col.type]));
}

/** The keys whose metadata says they may have older types, read HEADS_AT_ONCE at a time. */
async function olderFiles(c: ConformInput, keys: readonly string[], latest: SchemaDocument): Promise<string[]> {
  const stale: string[] = [];
  for (let i = 0; i < keys.length; i += HEADS_AT_ONCE) {
    const batch = keys.slice(i, i + HEADS_AT_ONCE);
    const infos = await Promise.all(batch.map((key) => c.store.head({ bucket: c.bucket, key })));
    for (const [j, info] of infos.entries()) {
      if (!info) continue;
      const from = fileVersion(info.metadata);
      if (from !== undefined && (from >= latest.version || targetTypes(c.versions, from, latest).size === 0)) continue;
      stale.push(batch[j]);
    }
  }
  return stale;
}
