import { basename } from "node:path";
import * as v from "valibot";
import { DATASET_METADATA, matchDataset } from "../core/config/matchDataset.ts";
import { decodeEventKey, jobIdOfEvent, ObjectCreatedEventSchema, sourceFromEvent } from "../core/events/objectCreated.ts";
import { EmptyFileError, FileTooLargeError, SourceMissingError } from "../core/errors.ts";
import { isGzip, sniffFormat } from "../core/format/sniffFormat.ts";
import { inflateHead } from "../core/format/compression.ts";
import { versionOrder } from "../core/commit/sequencer.ts";
import { backfillSequencer } from "../core/backfill/backfillSequencer.ts";
import { tooLargeMessage } from "../core/job/fileLimits.ts";
import { sourceIdFor } from "../core/job/jobId.ts";
import type { JobRef } from "../core/job/jobRecord.ts";
import { lake } from "../core/lake/layout.ts";
import type { ExtractOutput } from "../core/pointers.ts";
import { recordJobHistory } from "../core/io/catalogJobHistory.ts";
import { defineStep } from "./defineStep.ts";
import "./uses/store.ts";
import "./uses/jobs.ts";
import "./uses/outputs.ts";

const HEAD_BYTES = 64 * 1024;

const ExtractInputSchema = v.object({
  event: ObjectCreatedEventSchema,
  executionId: v.string(),
  startedAt: v.string(),
});

/**
 * raw → bronze (a replay: its version's bronze or archived copy → its own bronze copy; a retract:
 * nothing to copy): records the job RUNNING (or reports a duplicate delivery, or ends it SUPERSEDED
 * when a newer upload of the key is already committed), checks the upload,
 * sniffs its format from its first bytes and copies it unchanged to bronze.
 */
export const handler = defineStep("extract", ExtractInputSchema, async (input, ctx): Promise<ExtractOutput> => {
  const source = sourceFromEvent(input.event);
  if (source.bucket !== ctx.settings.ETL_RAW_BUCKET) {
    // A rule or a test sending another bucket's events is a wiring mistake, not a data error.
    throw new Error(`Extract serves raw bucket ${ctx.settings.ETL_RAW_BUCKET}, not ${source.bucket}`);
  }
  // A replay or retract (core/replay/request.ts) names its key exactly as S3 would encode it.
  const { replay, retract } = input.event;
  if (replay || retract) source.key = decodeEventKey(source.key);
  // EventBridge may or may not URL-encode keys (docs/design.md decision 8): try the key as sent first.
  // The delivery names one object version: every read below is of that version, not of whatever the key holds now.
  // A replay reads the copy of that version its request names (bronze, or archived/ when bronze is gone).
  const from = replay ? replay.from : source;
  let info = retract ? undefined : await ctx.store.head(from);
  if (!info && !replay && !retract && decodeEventKey(source.key) !== source.key) {
    info = await ctx.store.head({ ...source, key: decodeEventKey(source.key) });
    if (info) source.key = decodeEventKey(source.key);
  }
  // An uploader may name the dataset in the object's metadata instead of relying on the key.
  const dataset = matchDataset(ctx.config, source.key, replay?.dataset ?? retract?.dataset ?? info?.metadata[DATASET_METADATA]);
  const job: JobRef = {
    jobId: jobIdOfEvent(input.event),
    dataset: dataset.name,
    source: { ...source, etag: info?.etag ?? source.etag, size: info?.size ?? source.size },
    sourceId: sourceIdFor(source),
    startedAt: input.startedAt,
    ...(replay ? { replayOf: replay.of } : {}),
    ...(retract ? { retract: { of: retract.of, erase: retract.erase, jobs: retract.jobs } } : {}),
  };
  // A backfill item (workflows/backfill.ts) names the key's current version but, having no S3
  // event, no sequencer: it is ordered just after the committed version, if it is still current.
  const backfilled = source.sequencer === undefined && source.versionId !== undefined;
  const committed = await ctx.outputs.source(dataset.name, job.sourceId);
  const overtaken = backfilled && (await ctx.store.head({ bucket: source.bucket, key: source.key }))?.versionId !== source.versionId;
  // A re-run of a job that already committed keeps the key it committed with.
  if (backfilled) job.source.sequencer = committed?.job_id === job.jobId ? committed.sequencer : backfillSequencer(committed?.sequencer);
  const outcome = await ctx.jobs.start({ ref: job, executionId: input.executionId });
  if (outcome === "duplicate") {
    ctx.log.info("duplicate delivery skipped", { jobId: job.jobId });
    // The duplicate's execution ends SKIPPED: a row of its own, the job's record keeps its status.
    const original = await ctx.jobs.get(job.jobId);
    const now = new Date().toISOString();
    if (original) {
      await recordJobHistory(ctx.store, ctx.settings.ETL_LAKE_BUCKET, {
        ...original,
        status: "SKIPPED",
        execution_id: input.executionId,
        started_at: input.startedAt,
        finished_at: now,
      });
    }
    return { skipped: true, superseded: false, job };
  }
  // Versions of a key apply in S3's order: an upload older than the committed one has nothing to do,
  // nor has a backfilled version a newer upload replaced since (that upload's own execution loads it).
  // A replay shares its version's sequencer, so it passes unless a newer version is committed; a retract orders just after it.
  if (overtaken || (committed && committed.job_id !== job.jobId && committed.sequencer > versionOrder(job))) {
    await ctx.jobs.finish(job.jobId, "SUPERSEDED");
    await recordJobHistory(ctx.store, ctx.settings.ETL_LAKE_BUCKET, (await ctx.jobs.get(job.jobId))!);
    ctx.log.info("superseded by a newer upload of the key", { jobId: job.jobId, committedJob: committed?.job_id });
    return { skipped: true, superseded: true, job };
  }
  if (retract) return { skipped: false, superseded: false, job, retract: true };
  const fileName = basename(source.key);
  if (!info) {
    throw new SourceMissingError(
      replay
        ? `the copy of ${source.key} to replay, ${from.bucket}/${from.key}, is gone (retention or an erasure removed it)`
        : `${source.key} is no longer in ${source.bucket}: it was moved or deleted before extract ran`,
    );
  }
  if (info.size === 0) throw new EmptyFileError(`${fileName} is empty (0 bytes)`);
  // Before any work: a file the largest function cannot finish would fail there, after the copies.
  if (info.size > ctx.settings.ETL_MAX_FILE_BYTES) throw new FileTooLargeError(tooLargeMessage(fileName, info.size, ctx.settings.ETL_MAX_FILE_BYTES));
  const head = await ctx.store.readHead(from, HEAD_BYTES);
  const gzip = isGzip(head);
  const text = gzip ? inflateHead(head, fileName) : head;
  const format = sniffFormat(text, fileName);
  const bronze = { bucket: ctx.settings.ETL_LAKE_BUCKET, key: lake.bronze(dataset.name, job.jobId, source.key) };
  await ctx.store.copy(from, bronze);
  await ctx.jobs.update(job.jobId, { format: { format, compression: gzip ? "gzip" : "none" } });
  return { skipped: false, superseded: false, job, bronze, format, compression: gzip ? "gzip" : "none" };
});
