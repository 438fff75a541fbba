import * as v from "valibot";
import { failureMessage } from "../core/job/messages.ts";
import { isStuck, stuckCutoff, stuckJobError, SWEEP_DETAIL_TYPE } from "../core/job/sweep.ts";
import { defineStep } from "./defineStep.ts";
import "./uses/jobs.ts";
import "./uses/alerts.ts";

const SweepInputSchema = v.object({
  "detail-type": v.literal(SWEEP_DETAIL_TYPE),
  olderThanSeconds: v.pipe(v.number(), v.minValue(0)),
});

/**
 * Run on a schedule: marks FAILED, with one alert each, the jobs still RUNNING long after their
 * execution must have ended, whose failure no status-change event reported.
 */
export const handler = defineStep("sweep", SweepInputSchema, async (input, ctx) => {
  const cutoff = stuckCutoff(new Date(), input.olderThanSeconds);
  const swept: string[] = [];
  for await (const job of ctx.jobs.runningStartedBefore(cutoff)) {
    if (!isStuck(job, cutoff)) continue;
    const error = stuckJobError(job, input.olderThanSeconds);
    // Conditional on RUNNING: a job that moved on meanwhile is left as it is.
    if (!(await ctx.jobs.fail(job.job_id, error))) continue;
    const message = failureMessage(
      { jobId: job.job_id, dataset: job.dataset, sourceKey: job.source.key, executionId: job.execution_id },
      error,
      false,
    );
    await ctx.alerts.publish(message.subject, message.body, { status: "FAILED", dataset: job.dataset });
    await ctx.jobs.markAlerted(job.job_id);
    swept.push(job.job_id);
  }
  ctx.log.info("stuck jobs swept", { swept: swept.length });
  return { swept };
});
