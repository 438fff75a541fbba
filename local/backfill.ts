import { S3Client } from "@aws-sdk/client-s3";
import { StateMachine, type StateMachineDefinition as LocalDefinition } from "aws-local-stepfunctions";
import { ObjectStore } from "../core/io/objectStore.ts";
import type { ObjectCreatedEvent } from "../core/events/objectCreated.ts";
import { BACKFILL_STATES, backfillItemProcessor, mapRunStatus, BACKFILL_TOLERATED_FAILURE_PERCENT } from "../workflows/backfill.ts";
import { BACKFILL_ACCESS_KEY } from "./iam/principals.ts";
import { LOCAL_NAMES } from "./localEnv.ts";
import type { ExecutionOutcome, LocalRuntime } from "./runtime.ts";

/** How one item of a backfill ended: a child pipeline execution, or a key with nothing to run. */
export type BackfillItem = {
  key: string;
  status: "SUCCEEDED" | "FAILED";
  /** The child execution, when one ran. */
  child?: { event: ObjectCreatedEvent; outcome: ExecutionOutcome };
  /** Why no child ran: a folder marker, or a key gone from the prefix since the listing. */
  ended?: typeof BACKFILL_STATES.skipped | typeof BACKFILL_STATES.gone;
  error?: { Error: string; Cause: string };
};

/** A backfill's end, as a map run reports it. */
export type BackfillSummary = {
  items: number;
  succeeded: number;
  failed: number;
  /** Items never started: the run failed (over the tolerated share) before reaching them. */
  notRun: number;
  toleratedFailurePercentage: number;
  status: "SUCCEEDED" | "FAILED";
};

const PIPELINE_ARN = `arn:aws:states:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:stateMachine:${LOCAL_NAMES.stateMachine}`;
const BACKFILL_ARN = `${PIPELINE_ARN}-backfill`;

/** An error as a Task reports it: `name` is what Retry and Catch match. */
function taskError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * `etl backfill` locally: the backfill definition's item processor (workflows/backfill.ts), run
 * for each key under `prefix` of the raw bucket, up to `concurrency` at once, as the Distributed
 * Map runs its child workflows. The local interpreter has no ItemReader or Distributed Map: the
 * listing emulates the ItemReader's ListObjectsV2, and the map run's tolerated-failure rule is
 * applied to the results. The item processor's tasks are bound to the local world: HeadObject
 * as the backfill role, the child pipeline execution on the same runtime, waited for as
 * `startExecution.sync` waits. Items are reported as they end through `onItem`.
 */
export async function runBackfill(
  runtime: LocalRuntime,
  options: { prefix: string; concurrency: number; onItem?: (item: BackfillItem) => Promise<void> | void },
): Promise<BackfillSummary> {
  const bucket = runtime.env.ETL_RAW_BUCKET;
  // The backfill role's own calls, checked against its policy like the functions' are.
  const s3 = new S3Client({ forcePathStyle: true, credentials: { accessKeyId: BACKFILL_ACCESS_KEY, secretAccessKey: "local" } });
  const store = new ObjectStore(s3);
  const machine = new StateMachine(backfillItemProcessor({ rawBucket: bucket, pipelineArn: PIPELINE_ARN }) as unknown as LocalDefinition);
  try {
    const keys = await store.list(bucket, options.prefix);
    let next = 0;
    let failed = 0;
    const runItem = async (key: string): Promise<BackfillItem> => {
      let child: BackfillItem["child"];
      const execution = machine.run({ Key: key } as never, {
        overrides: {
          taskResourceLocalHandlers: {
            [BACKFILL_STATES.pin]: async () => {
              const info = await store.head({ bucket, key });
              if (!info) throw taskError("S3.NoSuchKeyException", `${key} is not in ${bucket}`);
              return { VersionId: info.versionId ?? null, ContentLength: info.size } as never;
            },
            [BACKFILL_STATES.run]: async (input) => {
              const { Input: event } = input as { Input: ObjectCreatedEvent };
              const outcome = await runtime.execute(event);
              child = { event, outcome };
              if (outcome.status === "FAILED") throw taskError("States.TaskFailed", JSON.stringify(outcome.error));
              return { ExecutionArn: outcome.executionArn, Status: outcome.status, Output: outcome.output ?? {} } as never;
            },
          },
        },
        context: {
          Execution: { Id: `${BACKFILL_ARN.replace(":stateMachine:", ":execution:")}/Backfill:${crypto.randomUUID()}`, StartTime: new Date().toISOString() },
          StateMachine: { Id: BACKFILL_ARN, Name: `${LOCAL_NAMES.stateMachine}-backfill` },
        },
      });
      const ended: string[] = [];
      const follow = (async () => {
        for await (const e of execution.eventLogs) if (e.type === "StateEntered" && e.state) ended.push(e.state.name);
      })();
      try {
        await execution.result;
        await follow;
        const last = ended.at(-1);
        const early = last === BACKFILL_STATES.skipped || last === BACKFILL_STATES.gone ? last : undefined;
        return { key, status: "SUCCEEDED", child, ...(early ? { ended: early } : {}) };
      } catch (failure) {
        await follow;
        const cause = (failure as Error).cause as Error | undefined;
        return { key, status: "FAILED", child, error: { Error: cause?.name ?? (failure as Error).name, Cause: cause?.message ?? String(failure) } };
      }
    };
    const worker = async () => {
      // As the map run does, no item starts once more than the tolerated share of all items failed.
      while (next < keys.length && mapRunStatus(keys.length, failed) === "SUCCEEDED") {
        const item = await runItem(keys[next++]);
        if (item.status === "FAILED") failed++;
        await options.onItem?.(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, keys.length) }, worker));
    return {
      items: keys.length,
      succeeded: next - failed,
      failed,
      notRun: keys.length - next,
      toleratedFailurePercentage: BACKFILL_TOLERATED_FAILURE_PERCENT,
      status: mapRunStatus(keys.length, failed),
    };
  } finally {
    s3.destroy();
  }
}
