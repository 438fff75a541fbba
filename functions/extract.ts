import { basename } from "node:path";
import * as v from "valibot";
import { DATASET_METADATA, matchDataset } from "../core/config/matchDataset.ts";
import { decodeEventKey, ObjectCreatedEventSchema, sourceFromEvent } from "../core/events/objectCreated.ts";
import { EmptyFileError, FileTooLargeError, SourceMissingError } from "../core/errors.ts";
import { isGzip, sniffFormat } from "../core/format/sniffFormat.ts";
import { inflateHead } from "../core/format/compression.ts";
import { orderingKey } from "../core/commit/sequencer.ts";
import { backfillSequencer } from "../core/backfill/backfillSequencer.ts";
import { tooLargeMessage } from "../core/job/fileLimits.ts";
import { jobIdFor, sourceIdFor } from "../core/job/jobId.ts";
import type { JobRef } from "../core/job/jobRecord.ts";
import { lake } from "../core/lake/layout.ts";
import type { ExtractOutput } from "../core/pointers.ts";
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
 * raw → bronze: records the job RUNNING (or reports a duplicate delivery, or ends it SUPERSEDED
 * when a newer upload of the key is already committed), checks the upload,
 * sniffs its format from its first bytes and copies it unchanged to bronze.
 */
export const handler = defineStep("extract", ExtractInputSchema, async (input, ctx): Promise<ExtractOutput> => {
  const source = sourceFromEvent(input.event);
  if (source.bucket !== ctx.settings.ETL_RAW_BUCKET) {
    // A rule or a test sending another bucket's events is a wiring mistake, not a data error.
    throw new Error(`Extract serves raw bucket ${ctx.settings.ETL_RAW_BUCKET}, not ${source.bucket}`);
  }
  // EventBridge may or may not URL-encode keys (docs/design.md decision 8): try the key as sent first.
  // The delivery names one object version: every read below is of that version, not of whatever the key holds now.
  let info = await ctx.store.head(source);
  if (!info && decodeEventKey(source.key) !== source.key) {
    info = await ctx.store.head({ ...source, key: decodeEventKey(source.key) });
    if (info) source.key = decodeEventKey(source.key);
  }
  // An uploader may name the dataset in the object's metadata instead of relying on the key.
  const dataset = matchDataset(ctx.config, source.key, info?.metadata[DATASET_METADATA]);
  const job: JobRef = {
    jobId: jobIdFor(sourceFromEvent(input.event)),
    dataset: dataset.name,
    source: { ...source, etag: info?.etag ?? source.etag, size: info?.size ?? source.size },
    sourceId: sourceIdFor(source),
    startedAt: input.startedAt,
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
    return { skipped: true, superseded: false, job };
  }
  // Versions of a key apply in S3's order: an upload older than the committed one has nothing to do,
  // nor has a backfilled version a newer upload replaced since (that upload's own execution loads it).
  if (overtaken || (committed && committed.job_id !== job.jobId && committed.sequencer > orderingKey(job.source.sequencer))) {
    await ctx.jobs.finish(job.jobId, "SUPERSEDED");
    ctx.log.info("superseded by a newer upload of the key", { jobId: job.jobId, committedJob: committed?.job_id });
    return { skipped: true, superseded: true, job };
  }
  const fileName = basename(source.key);
  if (!info) {
    throw new SourceMissingError(`${source.key} is no longer in ${source.bucket}: it was moved or deleted before extract ran`);
  }
  if (info.size === 0) throw new EmptyFileError(`${fileName} is empty (0 bytes)`);
  // Before any work: a file the largest function cannot finish would fail there, after the copies.
  if (info.size > ctx.settings.ETL_MAX_FILE_BYTES) throw new FileTooLargeError(tooLargeMessage(fileName, info.size, ctx.settings.ETL_MAX_FILE_BYTES));
  const head = await ctx.store.readHead(source, HEAD_BYTES);
  const gzip = isGzip(head);
  const text = gzip ? inflateHead(head, fileName) : head;
  const format = sniffFormat(text, fileName);
  const bronze = { bucket: ctx.settings.ETL_LAKE_BUCKET, key: lake.bronze(dataset.name, job.jobId, source.key) };
  await ctx.store.copy(source, bronze);
  await ctx.jobs.update(job.jobId, { format: { format, compression: gzip ? "gzip" : "none" } });
  return { skipped: false, superseded: false, job, bronze, format, compression: gzip ? "gzip" : "none" };
});
