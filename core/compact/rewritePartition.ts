import { randomUUID } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { Engine, type EngineOptions } from "../engine/engine.ts";
import { Params, quoteLiteral } from "../engine/sql.ts";
import type { ObjectStore } from "../io/objectStore.ts";
import { outputId, type CompactionRecord, type OutputTable } from "../io/outputTable.ts";
import { withScratch } from "../io/scratch.ts";
import { sourceIdFor } from "../job/jobId.ts";
import { lake } from "../lake/layout.ts";
import { CompactionManifestSchema, type CompactedJob, type CompactionManifest } from "./compactionManifest.ts";
import { isCompacted, jobsToDrop } from "./compactionPlan.ts";
import { PARQUET_FORMAT } from "../engine/parquet.ts";

/** What compaction reads and writes with. */
export type CompactionContext = {
  store: ObjectStore;
  outputs: OutputTable;
  bucket: string;
  /** The raw bucket: a source's id is derived from it and the key (core/job/jobId.ts). */
  rawBucket: string;
  scratchDir: string;
  engine: (scratchDir: string) => EngineOptions;
};

/** What to do to one silver partition. */
export type RewriteRequest = {
  dataset: string;
  partition: string;
  /** Merge the sources' own files into the compacted ones (a compaction); false: only remove `drop`. */
  compact: boolean;
  /** Jobs whose rows must go (the versions a commit retires). */
  drop: readonly string[];
  /** About how large each compacted file may grow. */
  targetBytes: number;
};

/** What a rewrite did: the generations it wrote, and the partition's version after its last change (none if nothing changed). */
export type RewriteResult = { generations: number; filesBefore: number; filesAfter: number; version?: number };

/** A rewrite that keeps losing its conditional write is a bug or a storm: it fails rather than spin. */
const MAX_ROUNDS = 20;

/**
 * Rewrites a silver partition's compacted files under the outputs guard (docs/gold.md,
 * "Compaction"): one conditional record per partition (`compact#<dataset>#<partition>`) names
 * the current generation, so compactions and the retirements of commits are serialized on it.
 *
 * Each round: finish a generation left `publishing` (a kill); else build the next one from the
 * current compacted files (and, compacting, the sources' own files) without the rows of retired
 * or superseded jobs, stage it, claim the record (`publishing`), copy it in, delete what it
 * replaced, mark it `done` and bump the partition's version so gold is recomputed after the
 * window. Rounds go on until the files hold no job to drop: a source replaced while its rows were
 * being merged is caught by the round after.
 */
export async function rewritePartition(c: CompactionContext, req: RewriteRequest): Promise<RewriteResult> {
  const result: RewriteResult = { generations: 0, filesBefore: 0, filesAfter: 0 };
  let compact = req.compact;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const record = await c.outputs.compaction(req.dataset, req.partition);
    const current = record ? await readManifest(c, record.manifest) : undefined;
    if (record?.state === "publishing") {
      await finish(c, record, current!);
      result.version = await c.outputs.bumpPartition(req.dataset, req.partition);
      continue;
    }
    const listed = (await c.store.list(c.bucket, `${lake.silverPrefix(req.dataset)}${req.partition}/`)).filter((k) => k.endsWith(".parquet"));
    if (round === 0) result.filesBefore = listed.length;
    result.filesAfter = listed.length;
    const own = compact ? listed.filter((k) => !isCompacted(k)) : [];
    const held = current?.outputs ?? [];
    // Superseded rows are looked for only by a compaction (its own race); a retirement names its jobs.
    const committed = req.compact ? await committedJobs(c, req.dataset, current?.jobs ?? []) : new Map<string, string | undefined>();
    const drop = jobsToDrop(current?.jobs ?? [], req.drop, committed);
    const holdsDropped = (current?.jobs ?? []).some((j) => drop.has(j.jobId));
    if (!holdsDropped && !(own.length && own.length + held.length > 1)) return result;
    const writer = randomUUID().slice(0, 8);
    const next = await build(c, req, { gen: (record?.gen ?? 0) + 1, writer, inputs: [...held, ...own], drop, replaces: record?.manifest });
    const id = outputId.compaction(req.dataset, req.partition);
    const claimed = await c.outputs.replaceCompaction(record, { id, gen: next.gen, state: "publishing", manifest: next.key });
    const mine = claimed ? await c.outputs.compaction(req.dataset, req.partition) : undefined;
    if (!claimed) {
      // Another compaction or retirement took this generation: read again and start from its result.
      await c.store.delete(c.bucket, [...next.manifest.staged, next.key]);
      continue;
    }
    // Someone else may already have finished it (and gone further): the next round sees.
    if (mine?.manifest === next.key && mine.state === "publishing") await finish(c, mine, next.manifest);
    result.version = await c.outputs.bumpPartition(req.dataset, req.partition);
    result.generations++;
    result.filesAfter = listed.length - next.manifest.inputs.length + next.manifest.outputs.length;
    compact = false;
  }
  throw new Error(`Compaction of ${req.dataset}/${req.partition} lost its conditional write ${MAX_ROUNDS} times in a row`);
}

/**
 * Writes the next generation to staging: every row of the inputs whose job is not dropped, in
 * files of about the target size, and its manifest. An input gone since it was listed was retired
 * by a commit meanwhile (or merged by a compaction that won): its rows are not wanted.
 */
async function build(
  c: CompactionContext,
  req: RewriteRequest,
  n: { gen: number; writer: string; inputs: string[]; drop: Set<string>; replaces?: string },
): Promise<{ gen: number; key: string; manifest: CompactionManifest }> {
  const key = lake.compactionManifest(req.dataset, req.partition, n.gen, n.writer);
  const manifest: CompactionManifest = {
    dataset: req.dataset,
    partition: req.partition,
    gen: n.gen,
    inputs: n.inputs,
    staged: [],
    outputs: [],
    jobs: [],
    rows: 0,
    ...(n.replaces ? { replaces: n.replaces } : {}),
  };
  await withScratch(c.scratchDir, `compact-${n.writer}`, async (dir) => {
    const files: string[] = [];
    for (const [i, input] of n.inputs.entries()) {
      const file = join(dir, "in", `${i}.parquet`);
      if (await c.store.downloadIfPresent({ bucket: c.bucket, key: input }, file)) files.push(file);
    }
    if (!files.length) return;
    const engine = await Engine.open(c.engine(dir));
    try {
      const params = new Params();
      const excluded = [...n.drop].map((id) => params.add(id));
      const relation = `read_parquet([${files.map(quoteLiteral).join(", ")}], union_by_name = true)`;
      const kept = `SELECT * FROM ${relation}${excluded.length ? ` WHERE _job_id NOT IN (${excluded.join(", ")})` : ""}`;
      const jobs = await engine.rows<{ jobId: string; sourceKey: string }>(
        `SELECT DISTINCT _job_id AS "jobId", _source_key AS "sourceKey" FROM (${kept}) ORDER BY 1`,
        params.values,
      );
      manifest.jobs = jobs;
      if (!jobs.length) return;
      const out = join(dir, "out");
      const [{ Count }] = await engine.rows<{ Count: bigint }>(
        `COPY (${kept}) TO ${quoteLiteral(out)} (${PARQUET_FORMAT}, FILE_SIZE_BYTES ${Math.floor(req.targetBytes)}, FILENAME_PATTERN 'part_{i}')`,
        params.values,
      );
      manifest.rows = Number(Count);
      const written = (await readdir(out)).filter((f) => f.endsWith(".parquet")).sort();
      for (const [i, name] of written.entries()) {
        if (!(await stat(join(out, name))).size) continue;
        const target = lake.compacted(req.dataset, req.partition, n.gen, i);
        const staged = lake.staged(`compact-${n.writer}`, target);
        await c.store.upload(join(out, name), { bucket: c.bucket, key: staged });
        manifest.staged.push(staged);
        manifest.outputs.push(target);
      }
    } finally {
      engine.close();
    }
  });
  await c.store.putJson({ bucket: c.bucket, key }, manifest);
  return { gen: n.gen, key, manifest };
}

/**
 * Publishes a claimed generation: copies its staged files in, deletes the files it replaced (a
 * reader listing the partition in between sees both: the window), removes its staging, marks it
 * done and deletes the manifest of the generation it replaced. Each step may run again, by anyone.
 * The staging goes before `done`: a slow finisher's copy after that finds no source and fails,
 * so it can never bring back a file a later generation has already replaced.
 */
async function finish(c: CompactionContext, record: CompactionRecord, m: CompactionManifest): Promise<void> {
  for (const [i, target] of m.outputs.entries()) {
    try {
      await c.store.copy({ bucket: c.bucket, key: m.staged[i] }, { bucket: c.bucket, key: target });
    } catch (error) {
      if ((error as Error).name !== "NoSuchKey") throw error;
      // Another finisher got further: the copy is in, or a later generation replaced it already.
      const now = await c.outputs.compaction(m.dataset, m.partition);
      if (now?.manifest !== record.manifest) return;
      if (!(await c.store.head({ bucket: c.bucket, key: target }))) throw new Error(`Compacted file ${target} is neither staged nor in silver`);
    }
  }
  await c.store.delete(c.bucket, m.inputs);
  await c.store.delete(c.bucket, m.staged);
  await c.outputs.replaceCompaction(record, { id: record.id, gen: m.gen, state: "done", manifest: record.manifest });
  if (m.replaces) await c.store.delete(c.bucket, [m.replaces]);
}

/** The committed job of each source key whose rows the files hold (undefined: the key has no record). */
async function committedJobs(c: CompactionContext, dataset: string, jobs: readonly CompactedJob[]): Promise<Map<string, string | undefined>> {
  const committed = new Map<string, string | undefined>();
  for (const { sourceKey } of jobs) {
    if (committed.has(sourceKey)) continue;
    const record = await c.outputs.source(dataset, sourceIdFor({ bucket: c.rawBucket, key: sourceKey }));
    committed.set(sourceKey, record?.job_id);
  }
  return committed;
}

async function readManifest(c: CompactionContext, key: string): Promise<CompactionManifest> {
  const m = await c.store.getJson({ bucket: c.bucket, key });
  if (!m) throw new Error(`Compaction manifest ${key} is missing`);
  return v.parse(CompactionManifestSchema, m);
}
