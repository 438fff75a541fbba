import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ObjectStore } from "../io/objectStore.ts";
import { lake, partitionOf } from "../lake/layout.ts";
import type { SourceManifest } from "../pointers.ts";
import { SCHEMA_VERSION_METADATA } from "./conformSilver.ts";
import { inParallel } from "../inParallel.ts";

/** The silver and quarantine files clean wrote on local disk for one version of a source key. */
export type LocalOutputs = {
  store: ObjectStore;
  bucket: string;
  jobId: string;
  dataset: string;
  sourceId: string;
  /** Day-partitioned silver files, `year=…/month=…/day=…/<file>.parquet` below it. */
  silverDir: string;
  quarantineFile?: string;
  /** The schema version whose types the silver files have; carried by each object (core/commit/conformSilver.ts). */
  schemaVersion: number;
};

/**
 * Uploads a version's files under the job's staging prefix, where no reader looks, and writes the
 * manifest of the keys they will have once committed. Nothing in silver or quarantine changes
 * here: a job that fails now (a data error, a kill) has changed nothing a reader sees.
 */
export async function stageSource(o: LocalOutputs): Promise<SourceManifest> {
  const manifest: SourceManifest = { jobId: o.jobId, dataset: o.dataset, sourceId: o.sourceId, silver: [], quarantine: [], partitions: [] };
  const files = (await listFiles(o.silverDir)).map((file) => {
    const rel = relative(o.silverDir, file);
    const partition = partitionOf(rel);
    if (!partition) throw new Error(`Silver file ${rel} has no year=/month=/day= partition`);
    return { file, partition, key: lake.silver(o.dataset, partition, o.jobId, rel.slice(partition.length + 1)) };
  });
  // The commit's copy keeps the metadata: the committed object says which types it has.
  const metadata = { [SCHEMA_VERSION_METADATA]: String(o.schemaVersion) };
  await inParallel(files, (f) => o.store.upload(f.file, { bucket: o.bucket, key: lake.staged(o.jobId, f.key) }, { metadata }));
  manifest.silver = files.map((f) => f.key);
  const partitions = new Set(files.map((f) => f.partition));
  if (o.quarantineFile) {
    const key = lake.quarantine(o.dataset, o.sourceId, o.jobId);
    await o.store.upload(o.quarantineFile, { bucket: o.bucket, key: lake.staged(o.jobId, key) });
    manifest.quarantine.push(key);
  }
  manifest.partitions = [...partitions].sort();
  await o.store.putJson({ bucket: o.bucket, key: lake.sourceManifest(o.dataset, o.sourceId, o.jobId) }, manifest);
  return manifest;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}
