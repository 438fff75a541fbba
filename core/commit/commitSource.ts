import type { ObjectStore } from "../io/objectStore.ts";
import { outputId, type OutputTable, type SourceRecord } from "../io/outputTable.ts";
import { parse } from "valibot";
import { lake } from "../lake/layout.ts";
import { SourceManifestSchema, type PartitionVersion, type SourceManifest } from "../pointers.ts";
import { rewritePartition, type CompactionContext } from "../compact/rewritePartition.ts";
import { inParallel } from "../inParallel.ts";

/** One version of a source key, staged and ready to commit. */
export type StagedVersion = {
  store: ObjectStore;
  outputs: OutputTable;
  bucket: string;
  /** The S3 sequencer of the upload, as `orderingKey` pads it. */
  sequencer: string;
  /** What the version writes; its objects sit at `lake.staged(jobId, key)` until committed. */
  manifest: SourceManifest;
  /** How to rewrite compacted files that hold a retired version's rows (core/compact/); none: the lake has none. */
  compaction?: CompactionContext & { targetBytes: number };
};

/** How a commit ended: the partitions it changed are the ones the job must recompute gold for. */
export type CommitOutcome = { outcome: "committed" | "superseded"; partitions: PartitionVersion[] };

/**
 * Makes a staged version of a source key the one silver and quarantine show, if no newer version
 * of the key is committed (docs/design.md decision 11; docs/commit.md):
 *
 * 1. the key's record in the outputs table names this job, `committing`, with the manifests of
 *    the versions it replaces (the committed one, and any half-committed ones before it);
 * 2. the staged objects are copied in (their names carry the job id: no collision with the old);
 * 3. the replaced versions' objects are deleted;
 * 4. every partition whose rows changed gets a new version, after the change is visible;
 * 5. the record becomes `committed`, only if it still names this job.
 *
 * Killed anywhere, the same job running again resumes from its record, and a newer upload of the
 * key finishes the replacement: nothing is left that no record owns, nothing is counted twice. A
 * newer version taking the key during 2–4 makes step 5 fail: this job then removes what it added
 * (the newer one may have deleted it before it was copied) and recomputes those partitions too;
 * so does a re-run of a job whose earlier attempt got to step 4 before a newer version took the key.
 */
export async function commitSource(v: StagedVersion): Promise<CommitOutcome> {
  const { store, outputs, bucket, manifest } = v;
  const own = [...manifest.silver, ...manifest.quarantine];
  const staged = own.map((key) => lake.staged(manifest.jobId, key));
  const record = await claim(v);
  if (!record) {
    // An earlier attempt may have bumped partitions after the newer version did: recompute those too.
    const intent = await store.getJson<{ partitions: string[] }>(intentRef(v));
    const undone = await undo(v);
    const again = (intent?.partitions ?? []).filter((p) => !undone.some((u) => u.partition === p));
    await store.delete(bucket, staged);
    return { outcome: "superseded", partitions: [...undone, ...(await bump(v, again))] };
  }

  await inParallel(own, (key, i) => store.copy({ bucket, key: staged[i] }, { bucket, key }));
  // A retired manifest is gone only once a newer version completed its commit: its objects went with it.
  const retired = (await Promise.all(record.retire.map((key) => store.getJson({ bucket, key }))))
    .filter((m) => m !== undefined)
    .map((m) => parse(SourceManifestSchema, m));
  await store.delete(bucket, retired.flatMap((m) => [...m.silver, ...m.quarantine]));
  // A compaction may have merged their silver files into a partition's compacted ones: rewritten without their rows.
  await dropFromCompacted(v, retired.flatMap((m) => m.partitions), retired.map((m) => m.jobId));
  const changed = [...new Set([...manifest.partitions, ...retired.flatMap((m) => m.partitions), ...record.changed])].sort();
  await store.putJson(intentRef(v), { partitions: changed });
  const partitions = await bump(v, changed);

  if (!(await outputs.completeSource(manifest.dataset, manifest.sourceId, manifest.jobId, changed))) {
    const undone = await undo(v);
    await store.delete(bucket, staged);
    const again = new Set(undone.map((p) => p.partition));
    return { outcome: "superseded", partitions: [...partitions.filter((p) => !again.has(p.partition)), ...undone] };
  }
  // No record names the retired versions any more: their manifests go with their objects.
  await store.delete(bucket, [...staged, ...record.retire]);
  return { outcome: "committed", partitions };
}

/**
 * Takes the key's record for this job, or finds it already taken by this job (an earlier attempt);
 * undefined when a newer version holds it. A record older than this version is replaced with one
 * listing what it owned (and what it had still to retire) as retired.
 */
async function claim({ outputs, sequencer, manifest }: StagedVersion): Promise<SourceRecord | undefined> {
  const manifestKey = lake.sourceManifest(manifest.dataset, manifest.sourceId, manifest.jobId);
  for (;;) {
    const current = await outputs.source(manifest.dataset, manifest.sourceId);
    if (current?.job_id === manifest.jobId) return current;
    if (current && current.sequencer > sequencer) return undefined;
    const next = {
      id: outputId.source(manifest.dataset, manifest.sourceId),
      sequencer,
      job_id: manifest.jobId,
      state: "committing" as const,
      manifest: manifestKey,
      retire: current ? [...current.retire, current.manifest] : [],
      changed: current?.changed ?? [],
    };
    if (await outputs.replaceSource(current, next)) return { ...next, rev: (current?.rev ?? 0) + 1, updated_at: new Date().toISOString() };
  }
}

/**
 * Removes this job's own silver and quarantine objects, which only an earlier attempt interrupted
 * mid-commit, or a copy racing a newer version, can have left; returns the partitions that lost
 * rows, with their new versions, so their gold is recomputed.
 */
async function undo(v: StagedVersion): Promise<PartitionVersion[]> {
  const { store, bucket, manifest } = v;
  const own = [...manifest.silver, ...manifest.quarantine];
  const heads = await inParallel(own, (key) => store.head({ bucket, key }));
  const present = own.filter((_, i) => heads[i]);
  await store.delete(bucket, present);
  const compacted = await dropFromCompacted(v, manifest.partitions, [manifest.jobId]);
  const partitions = manifest.partitions.filter(
    (p) => compacted.has(p) || present.some((key) => key.startsWith(`${lake.silverPrefix(manifest.dataset)}${p}/`)),
  );
  return bump(v, partitions);
}

/**
 * Removes the jobs' rows from the compacted files of the partitions (core/compact/), serialized
 * with compactions by the partition's compaction record; returns the partitions that lost rows.
 */
async function dropFromCompacted(v: StagedVersion, partitions: readonly string[], jobIds: readonly string[]): Promise<Set<string>> {
  const changed = new Set<string>();
  if (!v.compaction || !jobIds.length) return changed;
  for (const partition of new Set(partitions)) {
    const done = await rewritePartition(v.compaction, { dataset: v.manifest.dataset, partition, compact: false, drop: jobIds, targetBytes: v.compaction.targetBytes });
    if (done.generations) changed.add(partition);
  }
  return changed;
}

/** The partitions a job is about to bump, kept so that a re-run that finds itself superseded recomputes them. */
function intentRef({ bucket, manifest }: StagedVersion) {
  return { bucket, key: lake.jobManifest(manifest.jobId, "commit") };
}

async function bump({ outputs, manifest }: StagedVersion, partitions: readonly string[]): Promise<PartitionVersion[]> {
  return outputs.bumpPartitions(manifest.dataset, partitions);
}
