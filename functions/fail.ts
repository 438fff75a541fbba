import * as v from "valibot";
import { basename } from "node:path";
import { TERMINAL_ERROR_NAMES } from "../core/errors.ts";
import { jobIdOfEvent, ObjectCreatedEventSchema, type ObjectCreatedEvent } from "../core/events/objectCreated.ts";
import { failureMessage } from "../core/job/messages.ts";
import { lake } from "../core/lake/layout.ts";
import { defineStep, type StepContext } from "./defineStep.ts";
import "./uses/store.ts";
import "./uses/jobs.ts";
import "./uses/alerts.ts";
import { recordJobHistory } from "../core/io/catalogJobHistory.ts";

/** The state machine's Catch path: the execution's state (the upload event plus step pointers) and `{Error, Cause}`. */
const CaughtSchema = v.object({
  ...ObjectCreatedEventSchema.entries,
  error: v.object({ Error: v.string(), Cause: v.optional(v.string(), "") }),
});

/** EventBridge's "Execution Status Change" for failures no Catch sees: retries exhausted, timeouts, aborts. */
const StatusChangeSchema = v.object({
  "detail-type": v.literal("Step Functions Execution Status Change"),
  detail: v.object({
    executionArn: v.string(),
    status: v.picklist(["FAILED", "TIMED_OUT", "ABORTED"]),
    input: v.nullish(v.string()),
    error: v.nullish(v.string()),
    cause: v.nullish(v.string()),
  }),
});

const FailInputSchema = v.variant("detail-type", [CaughtSchema, StatusChangeSchema]);

/** Lambda's error Cause is a JSON document with `errorMessage`; other causes are plain text. */
function causeMessage(cause: string | null | undefined): string {
  if (!cause) return "no cause given";
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/**
 * The failure path, shared by the Catch (terminal data errors) and the status-change rule
 * (everything else): marks the job FAILED with type, message and step, then alerts once. A job
 * another path already marked and alerted is left alone.
 */
export const handler = defineStep("fail", FailInputSchema, async (input, ctx) => {
  if (input["detail-type"] === "Step Functions Execution Status Change") {
    const event = v.safeParse(ObjectCreatedEventSchema, JSON.parse(input.detail.input ?? "null"));
    return record(ctx, event.success ? event.output : undefined, input.detail.executionArn, {
      type: input.detail.error ?? `Execution${input.detail.status}`,
      message: causeMessage(input.detail.cause),
    });
  }
  return record(ctx, input, undefined, { type: input.error.Error, message: causeMessage(input.error.Cause) });
});

async function record(
  ctx: StepContext,
  event: ObjectCreatedEvent | undefined,
  executionArn: string | undefined,
  error: { type: string; message: string },
) {
  const jobId = event ? jobIdOfEvent(event) : undefined;
  const job = jobId ? await ctx.jobs.get(jobId) : undefined;
  if (job && executionArn && job.execution_id !== executionArn) {
    // Another execution's failure (a duplicate delivery's): this job is not affected.
    return { marked: false, alerted: false };
  }
  const step = job?.step ?? "extract";
  const marked = job ? await ctx.jobs.fail(job.job_id, { ...error, step }) : true;
  const terminal = (TERMINAL_ERROR_NAMES as readonly string[]).includes(error.type);
  // A file that can never pass is not redriven: what it staged (never committed) goes now. Other
  // failures keep their staging for the redrive (core/job/retention.ts).
  if (job && terminal && (marked || job.status === "FAILED")) {
    const bucket = ctx.settings.ETL_LAKE_BUCKET;
    await ctx.store.delete(bucket, await ctx.store.list(bucket, lake.stagingPrefix(job.job_id)));
  }
  // Already FAILED: the other path (or an earlier try of this one) got here first; alert only if it could not.
  if (!marked && (job?.status !== "FAILED" || job.alerted_at)) return { marked: false, alerted: false };
  const message = failureMessage(
    {
      jobId: job?.job_id ?? "unknown",
      dataset: job?.dataset ?? "unknown",
      sourceKey: job?.source.key ?? (event ? basename(event.detail.object.key) : "unknown"),
      sourceBucket: job?.source.bucket ?? event?.detail.bucket.name,
      executionId: job?.execution_id ?? executionArn ?? "unknown",
    },
    { ...(marked ? error : { type: job?.error?.type ?? error.type, message: job?.error?.message ?? error.message }), step },
    terminal,
    ctx.settings.ETL_STAGE,
  );
  // A failed publish throws: the Task's retry (or EventBridge's) sends the alert again, and only once it went out is it recorded.
  await ctx.alerts.publish(message.subject, message.body, { status: "FAILED", dataset: job?.dataset ?? "unknown" });
  if (job) {
    await ctx.jobs.markAlerted(job.job_id);
    // After the alert: the lake being unreachable (a cause of failures too) must not silence it.
    await recordJobHistory(ctx.store, ctx.settings.ETL_LAKE_BUCKET, (await ctx.jobs.get(job.job_id))!).catch((e: Error) =>
      ctx.log.error("job history row not written", { error: e.message }),
    );
  }
  return { marked, alerted: true };
}
