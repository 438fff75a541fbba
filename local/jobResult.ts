import * as v from "valibot";
import { jobIdOfEvent, sourceFromEvent, type ObjectCreatedEvent } from "../core/events/objectCreated.ts";
import type { JobError, JobRecord } from "../core/job/jobRecord.ts";
import { EMPTY_STATS, type Stats } from "../core/job/stats.ts";
import { CleanManifestSchema, LoadManifestSchema } from "../core/pointers.ts";
import { getServices } from "../functions/services.ts";
import type { ExecutionOutcome } from "./runtime.ts";

/** One job as `etl run --json` prints it: the CLI's machine-readable contract. */
export type JobResult = {
  jobId: string;
  status: "SUCCESS" | "FAILED" | "SKIPPED" | "SUPERSEDED";
  dataset: string;
  source: { bucket: string; key: string };
  stats: Stats;
  outputs: { silver: string[]; gold: string[]; quarantine: string[] };
  error?: JobError;
  durationMs: number;
  /** A replay's: the job whose version it re-processed. */
  replayOf?: string;
  /** A retract's: the key and the version it retracted. */
  retracted?: JobRecord["retracted"];
};

/** Reads what a finished execution did from where the pipeline recorded it: the job table and the step manifests. */
export async function jobResult(event: ObjectCreatedEvent, outcome: ExecutionOutcome): Promise<JobResult> {
  const { jobs, store } = getServices();
  const source = sourceFromEvent(event);
  const jobId = jobIdOfEvent(event);
  const extracted = outcome.output?.extract as { skipped?: boolean; superseded?: boolean } | undefined;
  const skipped = extracted?.skipped === true && extracted.superseded !== true;
  const job = await jobs.get(jobId);
  const result = (status: JobResult["status"], stats: Stats, outputs: JobResult["outputs"], error?: JobError): JobResult => ({
    jobId,
    status,
    dataset: job?.dataset ?? "unknown",
    source: { bucket: job?.source.bucket ?? source.bucket, key: job?.source.key ?? source.key },
    stats,
    outputs,
    ...(error ? { error } : {}),
    durationMs: outcome.durationMs,
    ...(job?.replayOf ? { replayOf: job.replayOf } : {}),
    ...(job?.retracted ? { retracted: job.retracted } : {}),
  });
  const outputs: JobResult["outputs"] = { silver: [], gold: [], quarantine: [] };
  if (skipped) return result("SKIPPED", { ...EMPTY_STATS }, outputs);
  // A newer upload of the key is what the lake shows: this job's outputs are not there.
  if (outcome.status === "SUCCEEDED" && job?.status === "SUPERSEDED") return result("SUPERSEDED", { ...EMPTY_STATS, ...job.stats }, outputs);

  const lakeBucket = getServices().settings.ETL_LAKE_BUCKET;
  const read = async <S extends v.GenericSchema>(schema: S, key?: string) =>
    key ? v.parse(schema, await store.getJson({ bucket: lakeBucket, key })) : undefined;
  const clean = await read(CleanManifestSchema, job?.manifests?.clean);
  const load = await read(LoadManifestSchema, job?.manifests?.load);
  outputs.silver = (clean?.silver ?? []).map((k) => `${lakeBucket}/${k}`);
  outputs.quarantine = (clean?.quarantine ?? []).map((k) => `${lakeBucket}/${k}`);
  outputs.gold = (load?.gold ?? []).map((k) => `${lakeBucket}/${k}`);

  const status = outcome.status === "SUCCEEDED" && job?.status === "SUCCESS" ? "SUCCESS" : "FAILED";
  const error =
    status === "FAILED"
      ? (job?.error ?? { type: outcome.error?.Error ?? "UnknownError", message: outcome.error?.Cause ?? "", step: job?.step ?? "extract" })
      : undefined;
  return result(status, { ...EMPTY_STATS, ...job?.stats }, outputs, error);
}
