import { matchDataset } from "../config/matchDataset.ts";
import { ReprocessRefusedError } from "../errors.ts";
import { objectCreatedEvent, type ObjectCreatedEvent } from "../events/objectCreated.ts";
import { reprocessJobId, sourceIdFor } from "../job/jobId.ts";
import type { SourceRecord } from "../io/outputTable.ts";
import type { PlanOptions, ReprocessServices } from "./services.ts";

/** One planned retract: a new job committing an empty version of the key after its committed one. */
export type PlannedRetract = {
  jobId: string;
  dataset: string;
  key: string;
  /** The job whose version is committed now: its rows are the ones removed. */
  of: string;
  erase: boolean;
  /** Every job of the key (their bronze copies and staging go with an erasure). */
  jobs: string[];
  event: ObjectCreatedEvent;
};

/**
 * Plans the retract of a raw key (`incoming/…`), reading only: finds the dataset whose outputs
 * record holds the key, refuses a key with no committed version or one already retracted, and
 * builds the execution's input. Its version is the committed one's sequencer; the retract orders
 * just after it (core/commit/sequencer.ts `versionOrder`), so the guard lets it replace that
 * version, ends a replay of it SUPERSEDED, and lets any later upload replace the retract.
 */
export async function planRetract(s: ReprocessServices, key: string, options: PlanOptions & { erase: boolean }): Promise<PlannedRetract> {
  const rawBucket = s.settings.ETL_RAW_BUCKET;
  const sourceId = sourceIdFor({ bucket: rawBucket, key });
  // The dataset the key maps to now, then every declared one (an uploader's metadata may have named another).
  const candidates = new Set(s.config.datasets.map((d) => d.name));
  try {
    candidates.add(matchDataset(s.config, key).name);
  } catch {
    // A key no dataset takes (`unmatched: "reject"`) can still have been committed under a declared one.
  }
  let found: { dataset: string; record: SourceRecord } | undefined;
  for (const dataset of candidates) {
    const record = await s.outputs.source(dataset, sourceId);
    if (record) found = { dataset, record };
    if (found) break;
  }
  if (!found) throw new ReprocessRefusedError(`no rows of ${key} in the lake: no version of it was committed (etl jobs${options.target ?? ""} lists the keys)`);
  const { dataset, record } = found;
  if (!/^[0-9A-F]+$/.test(record.sequencer)) {
    throw new ReprocessRefusedError(`${key} is already retracted (by ${record.job_id}); upload it again to bring rows back`);
  }
  const of = await s.jobs.get(record.job_id);
  const jobs: string[] = [];
  for await (const job of s.jobs.ofDataset(dataset)) if (job.source.key === key) jobs.push(job.job_id);
  const jobId = reprocessJobId("retract", key, options.idempotent ? `${record.job_id}@${record.sequencer}` : undefined);
  const event = objectCreatedEvent({ bucket: rawBucket, key, size: 0, etag: "", sequencer: record.sequencer, versionId: of?.source.versionId,
    // Nothing of it drawn now: a retract typed again on a stage is the same StartExecution input.
    id: jobId,
    time: new Date(record.updated_at),
  });
  return {
    jobId,
    dataset,
    key,
    of: record.job_id,
    erase: options.erase,
    jobs,
    event: { ...event, retract: { jobId, dataset, of: record.job_id, erase: options.erase, jobs } },
  };
}
