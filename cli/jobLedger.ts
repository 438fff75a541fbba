import { join } from "node:path";
import * as v from "valibot";
import { JobRecordSchema, type JobRecord } from "../core/job/jobRecord.ts";
import { JournalStore, summarize } from "../local/journal.ts";
import { LOCAL_NAMES } from "../local/localEnv.ts";
import { isAlive } from "../local/lock.ts";
import { existingStateDir } from "../local/stateDir.ts";
import { readAll, withTableSnapshot } from "../local/stateDirSnapshot.ts";

/** The jobs of a state dir as read-only commands see them: newest first, and which were interrupted. */
export type Ledger = { dir: string; records: JobRecord[]; interrupted: (job: JobRecord) => boolean };

/**
 * Reads every job of a state dir from a snapshot of its table: never takes, waits for or changes
 * the writer's lock.
 */
export async function readLedger(stateDir: string): Promise<Ledger> {
  const dir = existingStateDir(stateDir);
  const items = (await withTableSnapshot(dir, (db) => readAll(db, { TableName: LOCAL_NAMES.jobsTable }).catch(() => []))) ?? [];
  const records = jobRecords(items);
  const journals = new JournalStore(join(dir, "executions"));
  // RUNNING with no outcome in its journal and the pid that wrote it dead: the next writer records it FAILED.
  const stopped = new Set(
    records
      .filter((j) => {
        if (j.status !== "RUNNING") return false;
        const summary = summarize(journals.read(j.execution_id.split(":").pop() ?? ""));
        return summary !== undefined && !summary.outcome && !isAlive(summary.pid);
      })
      .map((j) => j.job_id),
  );
  return { dir, records, interrupted: (j) => stopped.has(j.job_id) };
}

/**
 * The items of a jobs table as records, newest first: locally from the snapshot, on a stage from
 * the table itself. A record of a newer shape is still listed (only the common fields are relied on).
 */
export function jobRecords(items: Record<string, unknown>[]): JobRecord[] {
  return items
    .map((item) => {
      const parsed = v.safeParse(JobRecordSchema, item);
      return parsed.success ? parsed.output : (item as JobRecord);
    })
    .filter((j) => typeof j.job_id === "string" && typeof j.started_at === "string")
    .sort((a, b) => b.started_at.localeCompare(a.started_at));
}

/** How long a job ran, once it ended. */
export function durationMs(job: JobRecord): number | undefined {
  return job.finished_at ? Date.parse(job.finished_at) - Date.parse(job.started_at) : undefined;
}

/** `--state-dir X` to append to a command a person copies, empty for the default. */
export function stateDirArg(stateDir: string): string {
  return stateDir === ".etl" ? "" : ` --state-dir ${stateDir}`;
}
