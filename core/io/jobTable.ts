import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import * as v from "valibot";
import type { Step } from "../steps.ts";
import { EMPTY_STATS, type Stats } from "../job/stats.ts";
import { isConditionFailure } from "./conditionFailure.ts";
import { JobRecordSchema, type JobError, type JobRecord, type JobRef, type StepTiming } from "../job/jobRecord.ts";
import { JOBS_BY_DATASET_INDEX, JOBS_BY_STATUS_INDEX } from "../job/jobIndexes.ts";

/** What a new job starts with. */
export type NewJob = { ref: JobRef; executionId: string };

/** Days a job stays in the table once it ended: `final` for SUCCESS and SUPERSEDED, `failed` for FAILED (beyond the redrive window). */
export type JobRetention = { finalDays: number; failedDays: number };

/** How `start` found the job. */
export type StartOutcome = "started" | "resumed" | "duplicate";


/** The jobs table: one typed document per job, every write conditional where order matters. */
export class JobTable {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retention: JobRetention;

  constructor(db: DynamoDBDocumentClient, table: string, retention: JobRetention) {
    this.db = db;
    this.table = table;
    this.retention = retention;
  }

  private expiresAt(days: number): number {
    return Math.floor(Date.now() / 1000) + days * 86400;
  }

  /**
   * Creates the job as RUNNING. The same execution coming back (a redrive or retry) resumes it;
   * any other execution for the same delivery is a duplicate and must change nothing.
   */
  async start(job: NewJob): Promise<StartOutcome> {
    const now = new Date().toISOString();
    const record: JobRecord = {
      version: 1,
      job_id: job.ref.jobId,
      status: "RUNNING",
      dataset: job.ref.dataset,
      step: "extract",
      source: job.ref.source,
      execution_id: job.executionId,
      started_at: job.ref.startedAt,
      updated_at: now,
      attempts: 1,
      stats: EMPTY_STATS,
      manifests: {},
      steps: {},
      ...(job.ref.replayOf ? { replayOf: job.ref.replayOf } : {}),
      ...(job.ref.retract ? { retracted: { key: job.ref.source.key, of: job.ref.retract.of, erased: job.ref.retract.erase } } : {}),
    };
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: record, ConditionExpression: "attribute_not_exists(job_id)" }),
      );
      return "started";
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.get(job.ref.jobId);
    if (existing?.execution_id !== job.executionId) return "duplicate";
    await this.enterStep(job.ref.jobId, "extract");
    return "resumed";
  }

  /**
   * Records that a step is running. A FAILED job goes back to RUNNING (a redrive), counts the
   * attempt and loses its TTL again; a job in a final status stays as it is.
   */
  async enterStep(jobId: string, step: Step): Promise<void> {
    if (await this.moveToStep(jobId, step, "FAILED", 1)) return;
    await this.moveToStep(jobId, step, "RUNNING", 0);
  }

  private async moveToStep(jobId: string, step: Step, from: "FAILED" | "RUNNING", extraAttempts: number): Promise<boolean> {
    return this.updateIf(jobId, {
      UpdateExpression: "SET #step = :step, #status = :running, updated_at = :now, attempts = attempts + :n REMOVE #error, expires_at",
      ConditionExpression: "#status = :from",
      ExpressionAttributeNames: { "#step": "step", "#status": "status", "#error": "error" },
      ExpressionAttributeValues: { ":step": step, ":running": "RUNNING", ":from": from, ":now": new Date().toISOString(), ":n": extraAttempts },
    });
  }

  /**
   * Records when a step ran and how long it took. It touches only `steps.<step>`, never the
   * status, so it cannot move a job back; false for a record kept from before steps were timed.
   */
  async recordStep(jobId: string, step: Step, timing: StepTiming): Promise<boolean> {
    return this.updateIf(jobId, {
      UpdateExpression: "SET #steps.#step = :timing",
      ConditionExpression: "attribute_exists(job_id) AND attribute_exists(#steps)",
      ExpressionAttributeNames: { "#steps": "steps", "#step": step },
      ExpressionAttributeValues: { ":timing": timing },
    });
  }

  /** One update of one job; false when its condition does not hold (another writer got there first). */
  private async updateIf(jobId: string, update: Omit<UpdateCommandInput, "TableName" | "Key">): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.table, Key: { job_id: jobId }, ...update }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Merges fields a step learned into the job (format, columns, stats, manifests). Stats and
   * manifests merge key by key, so each step adds its own without reading the record first.
   */
  async update(
    jobId: string,
    fields: Partial<Pick<JobRecord, "format" | "columns" | "manifests" | "discardedColumns" | "expectations" | "skippedLines" | "schema">> & {
      stats?: Partial<Stats>;
    },
  ): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":now": new Date().toISOString() };
    const sets = ["updated_at = :now"];
    const add = (path: string[], value: unknown) => {
      const ref = path.map((p) => ((names[`#${p}`] = p), `#${p}`)).join(".");
      const placeholder = `:v${Object.keys(values).length}`;
      values[placeholder] = value;
      sets.push(`${ref} = ${placeholder}`);
    };
    const { stats, manifests, ...rest } = fields;
    for (const [k, value] of Object.entries(rest)) if (value !== undefined) add([k], value);
    for (const [k, value] of Object.entries(stats ?? {})) add(["stats", k], value);
    for (const [k, value] of Object.entries(manifests ?? {})) add(["manifests", k], value);
    await this.mustUpdate(jobId, {
      UpdateExpression: `SET ${sets.join(", ")}`,
      ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
      ExpressionAttributeValues: values,
    });
  }

  /** An update of a job that must exist: a missing job is a bug upstream, so it throws. */
  private async mustUpdate(jobId: string, update: Omit<UpdateCommandInput, "TableName" | "Key" | "ConditionExpression">): Promise<void> {
    await this.db.send(
      new UpdateCommand({ TableName: this.table, Key: { job_id: jobId }, ConditionExpression: "attribute_exists(job_id)", ...update }),
    );
  }

  /**
   * Ends a RUNNING job in a final status (SUCCESS, or SUPERSEDED when a newer upload of its key
   * is what the lake shows) and starts its TTL. False when it was not RUNNING: a step ran again
   * after the job had ended, and the first end stands.
   */
  async finish(jobId: string, status: "SUCCESS" | "SUPERSEDED"): Promise<boolean> {
    return this.updateIf(jobId, {
      UpdateExpression: "SET #status = :final, updated_at = :now, finished_at = :now, expires_at = :expires",
      ConditionExpression: "#status = :running",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":final": status,
        ":running": "RUNNING",
        ":now": new Date().toISOString(),
        ":expires": this.expiresAt(this.retention.finalDays),
      },
    });
  }

  /**
   * Marks the job FAILED with its error. Returns false when there was nothing to change (already
   * FAILED by the other failure path, or SUCCESS), so one failure gives one alert.
   */
  async fail(jobId: string, error: JobError): Promise<boolean> {
    return this.updateIf(jobId, {
      UpdateExpression:
        "SET #status = :failed, #error = :error, updated_at = :now, finished_at = :now, expires_at = :expires REMOVE alerted_at",
      ConditionExpression: "attribute_exists(job_id) AND #status = :running",
      ExpressionAttributeNames: { "#status": "status", "#error": "error" },
      ExpressionAttributeValues: {
        ":failed": "FAILED",
        ":running": "RUNNING",
        ":error": error,
        ":now": new Date().toISOString(),
        ":expires": this.expiresAt(this.retention.failedDays),
      },
    });
  }

  /** Records that the failure alert went out, so no other path sends it again. */
  async markAlerted(jobId: string): Promise<void> {
    await this.mustUpdate(jobId, { UpdateExpression: "SET alerted_at = :now", ExpressionAttributeValues: { ":now": new Date().toISOString() } });
  }

  /** Reads a job, validated; undefined when it does not exist. */
  async get(jobId: string): Promise<JobRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { job_id: jobId }, ConsistentRead: true }));
    return out.Item ? v.parse(JobRecordSchema, out.Item) : undefined;
  }

  /** A dataset's jobs that started in [since, until) (ISO; open when absent), from the dataset index, page by page. */
  async *ofDataset(dataset: string, range: { since?: string; until?: string } = {}): AsyncGenerator<JobRecord> {
    const jobs = this.query({
      IndexName: JOBS_BY_DATASET_INDEX,
      KeyConditionExpression: "#dataset = :dataset AND started_at BETWEEN :since AND :until",
      ExpressionAttributeNames: { "#dataset": "dataset" },
      ExpressionAttributeValues: { ":dataset": dataset, ":since": range.since ?? "", ":until": range.until ?? "\uffff" },
    });
    // BETWEEN includes its upper bound; `until` does not.
    for await (const job of jobs) if (!range.until || job.started_at < range.until) yield job;
  }

  /** RUNNING jobs that started before `cutoff` (ISO), oldest first, from the status index, page by page. */
  runningStartedBefore(cutoff: string): AsyncGenerator<JobRecord> {
    return this.query({
      IndexName: JOBS_BY_STATUS_INDEX,
      KeyConditionExpression: "#status = :running AND started_at < :cutoff",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":running": "RUNNING", ":cutoff": cutoff },
    });
  }

  /** Every job an index query names, validated, page by page. */
  private async *query(input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">): AsyncGenerator<JobRecord> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ TableName: this.table, ...input, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) yield v.parse(JobRecordSchema, item);
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
