import { orderingKey } from "../commit/sequencer.ts";
import { VERSION_METADATA } from "../commit/publishLatest.ts";
import { ReprocessRefusedError } from "../errors.ts";
import { objectCreatedEvent, type ObjectCreatedEvent } from "../events/objectCreated.ts";
import { reprocessJobId, sourceIdFor } from "../job/jobId.ts";
import type { JobRecord } from "../job/jobRecord.ts";
import { archivedKey, lake } from "../lake/layout.ts";
import type { PlanOptions, ReprocessServices } from "./services.ts";

/** What to replay: one job, or the current version of every key of a dataset whose job started in [since, until). */
export type ReplaySelection = { jobId: string } | { dataset: string; since?: string; until?: string };

/** One planned replay: a new job re-processing one job's version of its key. */
export type PlannedReplay = {
  jobId: string;
  of: string;
  dataset: string;
  key: string;
  /** The version replayed: its S3 version id (its sequencer when the bucket kept no versions). */
  version: string;
  from: "bronze" | "archive";
  /** A newer version of the key is committed (by that job): the replay will end SUPERSEDED and change nothing. */
  supersededBy?: string;
  /** The state machine's input. */
  event: ObjectCreatedEvent;
};

/** A key of the selection that is not replayed, and why. */
export type SkippedReplay = { key: string; job: string; reason: string };

/** What `etl replay` will do. */
export type ReplayPlan = { replays: PlannedReplay[]; skipped: SkippedReplay[] };

/**
 * Plans replays without writing anything (docs/ops.md): each replays one job's version of its
 * key, from the job's bronze copy, or from `archived/<key>` when bronze is gone and the archive
 * still holds exactly that version. A replay shares the version's sequencer, so the outputs
 * guard puts it in that version's place: it re-commits the committed version (replacing its
 * rows), and one of a version a newer upload replaced ends SUPERSEDED (flagged here).
 */
export async function planReplay(s: ReprocessServices, selection: ReplaySelection, options: PlanOptions = {}): Promise<ReplayPlan> {
  if ("jobId" in selection) {
    const job = await s.jobs.get(selection.jobId);
    if (!job) throw new ReprocessRefusedError(`no job ${selection.jobId}; etl jobs${options.target ?? ""} lists them`);
    const problem = notReplayable(job, options.target ?? "");
    if (problem) throw new ReprocessRefusedError(`job ${job.job_id} cannot be replayed: ${problem}`);
    const planned = await plan(s, job, options);
    if ("reason" in planned) throw new ReprocessRefusedError(`job ${job.job_id} cannot be replayed: ${planned.reason}`);
    return { replays: [planned], skipped: [] };
  }
  const newest = new Map<string, JobRecord>();
  for await (const job of s.jobs.ofDataset(selection.dataset, selection)) {
    const held = newest.get(job.source.key);
    if (!held || order(job) > order(held) || (order(job) === order(held) && job.started_at > held.started_at)) newest.set(job.source.key, job);
  }
  const replays: PlannedReplay[] = [];
  const skipped: SkippedReplay[] = [];
  for (const job of [...newest.values()].sort((a, b) => a.source.key.localeCompare(b.source.key))) {
    const problem = notReplayable(job, options.target ?? "");
    const planned = problem ? { reason: problem } : await plan(s, job, options);
    if ("reason" in planned) skipped.push({ key: job.source.key, job: job.job_id, reason: planned.reason });
    else replays.push(planned);
  }
  return { replays, skipped };
}

/** A key's versions in S3's order, a retract just after the version it retracted. */
function order(job: JobRecord): string {
  return orderingKey(job.source.sequencer) + (job.retracted ? "R" : "");
}

function notReplayable(job: JobRecord, target: string): string | undefined {
  if (job.retracted) return `it retracted ${job.source.key}; upload the file again to bring its rows back`;
  if (job.status === "RUNNING") return `it is still running (or was interrupted: etl redrive ${job.job_id}${target})`;
  return undefined;
}

async function plan(s: ReprocessServices, job: JobRecord, options: PlanOptions): Promise<PlannedReplay | { reason: string }> {
  const { ETL_LAKE_BUCKET: lakeBucket, ETL_RAW_BUCKET: rawBucket } = s.settings;
  const version = orderingKey(job.source.sequencer);
  const bronze = { bucket: lakeBucket, key: lake.bronze(job.dataset, job.job_id, job.source.key) };
  const archived = { bucket: rawBucket, key: archivedKey(job.source.key) };
  let from: "bronze" | "archive" = "bronze";
  let info = await s.store.head(bronze);
  if (!info) {
    from = "archive";
    info = await s.store.head(archived);
    // archived/<key> holds the newest archived upload of the key: only that version can be replayed from it.
    if (info?.metadata[VERSION_METADATA] !== version) {
      return { reason: `its bronze copy is gone and ${archived.key} holds ${info ? "another version of the key" : "nothing"}` };
    }
  }
  const committed = await s.outputs.source(job.dataset, sourceIdFor(job.source));
  // Idempotent: the same replay of the same committed state (none when the job never committed).
  const jobId = reprocessJobId("replay", job.job_id, options.idempotent ? (committed ? `${committed.job_id}@${committed.sequencer}` : "") : undefined);
  const event = objectCreatedEvent({
    bucket: job.source.bucket,
    key: job.source.key,
    size: info.size,
    etag: info.etag,
    sequencer: job.source.sequencer ?? "",
    versionId: job.source.versionId,
    // Nothing of it drawn now: a replay typed again on a stage is the same StartExecution input.
    id: jobId,
    time: new Date(job.started_at),
  });
  return {
    jobId,
    of: job.job_id,
    dataset: job.dataset,
    key: job.source.key,
    version: job.source.versionId ?? job.source.sequencer ?? "unversioned",
    from,
    ...(committed && committed.sequencer > version ? { supersededBy: committed.job_id } : {}),
    event: { ...event, replay: { jobId, of: job.job_id, dataset: job.dataset, from: from === "bronze" ? bronze : archived } },
  };
}
