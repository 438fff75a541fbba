import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { JOBS_BY_DATASET_INDEX, JOBS_BY_STATUS_INDEX } from "../../core/job/jobIndexes.ts";
import type { JobRecord } from "../../core/job/jobRecord.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { readAll, type ReadInput } from "../../local/stateDirSnapshot.ts";
import { jobRecords, readLedger, stateDirArg } from "../jobLedger.ts";
import type { CommonOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";
import { stageArg } from "../../core/job/remedy.ts";
import type { StageOptions } from "./stageOutputs.ts";
import { openStage, stageFailure, type StageServices } from "./stageServices.ts";

/**
 * The job ledger as `etl jobs` and `etl job` read it, wherever it lives: a state dir's snapshot
 * locally, the stage's jobs table and lake bucket with `--stage`. The commands see only this.
 */
export type LedgerView = {
  /** The jobs the filter names (every job without one), newest first. */
  jobs: (filter?: JobFilter) => Promise<JobRecord[]>;
  /** The job of exactly this id, if there is one. */
  job: (jobId: string) => Promise<JobRecord | undefined>;
  /** A RUNNING job whose process is gone (local only: on AWS the sweep records those FAILED). */
  interrupted: (job: JobRecord) => boolean;
  /** A step manifest of the lake bucket, or undefined when it is not there. */
  manifest: (key: string | undefined) => Promise<Record<string, unknown> | undefined>;
  lakeBucket: string;
  /** What to append to a command a person copies: ` --state-dir X`, ` --stage S` or nothing. */
  target: string;
  /** How a corrected file goes in there. */
  upload: "run" | "upload";
  /** Where the ledger was read, for messages. */
  where: string;
  /** The local journal of a job's execution (a stage has the console link instead). */
  journal?: (job: JobRecord) => string;
  /** The stage's services, with `--stage` (redrive calls Step Functions with them). */
  stage?: StageServices;
  close: () => void;
};

/** Which jobs `etl jobs` lists: any of status, dataset and start (ISO, inclusive). */
export type JobFilter = { status?: string; dataset?: string; since?: string };

const matches = (j: JobRecord, f: JobFilter) =>
  (!f.status || j.status === f.status) && (!f.dataset || j.dataset === f.dataset) && (!f.since || j.started_at >= f.since);

/** Opens the ledger the options name: `--stage` or the state dir. */
export async function openLedger(opts: CommonOptions & StageOptions): Promise<LedgerView> {
  return opts.stage ? stageLedger(await openStage({ ...opts, stage: opts.stage })) : localLedger(opts.stateDir);
}

async function localLedger(stateDir: string): Promise<LedgerView> {
  const ledger = await readLedger(stateDir);
  return {
    jobs: async (filter = {}) => ledger.records.filter((j) => matches(j, filter)),
    job: async (jobId) => ledger.records.find((j) => j.job_id === jobId),
    interrupted: ledger.interrupted,
    // The lake view of the state dir: the current objects as plain files.
    manifest: async (key) => {
      const path = key && join(ledger.dir, "lake", LOCAL_NAMES.lakeBucket, key);
      return path && existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>) : undefined;
    },
    lakeBucket: LOCAL_NAMES.lakeBucket,
    target: stateDirArg(stateDir),
    upload: "run",
    where: stateDir,
    journal: (job) => join(ledger.dir, "executions", `${job.execution_id.split(":").pop() ?? ""}.jsonl`),
    close: () => undefined,
  };
}

async function stageLedger(stage: StageServices): Promise<LedgerView> {
  try {
    const table = stage.need("jobsTable");
    const failure = (error: unknown) => {
      throw stageFailure(error, stage.stage, `the jobs table ${table}`);
    };
    return {
      jobs: async (filter = {}) => jobRecords(await readAll(stage.dynamo, jobsQuery(table, filter)).catch(failure)).filter((j) => matches(j, filter)),
      job: async (jobId) => {
        const out = await stage.dynamo.send(new GetCommand({ TableName: table, Key: { job_id: jobId }, ConsistentRead: true })).catch(failure);
        return out?.Item ? jobRecords([out.Item])[0] : undefined;
      },
      interrupted: () => false,
      manifest: async (key) =>
        key === undefined
          ? undefined
          : stage.store.getJson<Record<string, unknown>>({ bucket: stage.need("lakeBucket"), key }).catch((error) => {
              throw stageFailure(error, stage.stage, `the lake bucket ${stage.need("lakeBucket")}`);
            }),
      // Asked for only by what shows outputs (etl job), so etl jobs needs no lake bucket.
      get lakeBucket() {
        return stage.need("lakeBucket");
      },
      target: stageArg(stage.stage),
      upload: "upload",
      where: `stage ${stage.stage}`,
      stage,
      close: stage.close,
    };
  } catch (error) {
    stage.close();
    throw error;
  }
}

/**
 * How a stage's jobs table answers a filter: a status or a dataset is a Query of its index (the
 * newest first, from `since` on), so listing the failed jobs of a ledger of 100,000 reads those
 * alone and needs only `dynamodb:Query` on the indexes; no filter is a Scan of the table.
 */
function jobsQuery(table: string, filter: JobFilter): ReadInput {
  const key = filter.status
    ? { index: JOBS_BY_STATUS_INDEX, name: "status", value: filter.status }
    : filter.dataset
      ? { index: JOBS_BY_DATASET_INDEX, name: "dataset", value: filter.dataset }
      : undefined;
  if (!key) return { TableName: table };
  return {
    TableName: table,
    IndexName: key.index,
    KeyConditionExpression: `#key = :key${filter.since ? " AND started_at >= :since" : ""}`,
    ExpressionAttributeNames: { "#key": key.name },
    ExpressionAttributeValues: { ":key": key.value, ...(filter.since ? { ":since": filter.since } : {}) },
    ScanIndexForward: false,
  };
}

/** The job an id (or a unique prefix of one) names, or a UsageError saying why there is none. */
export async function findJob(ledger: LedgerView, jobId: string): Promise<JobRecord> {
  const exact = await ledger.job(jobId);
  if (exact) return exact;
  // A prefix is looked for among all jobs (on a stage: a Scan).
  const near = (await ledger.jobs()).filter((j) => j.job_id.startsWith(jobId));
  if (near.length === 1) return near[0];
  throw new UsageError(
    near.length > 1 ? `${jobId} names ${near.length} jobs; give more of the id` : `no job ${jobId} in ${ledger.where} (etl jobs${ledger.target} lists them)`,
  );
}
