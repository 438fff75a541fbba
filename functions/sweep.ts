import * as v from "valibot";
import { failureMessage } from "../core/job/messages.ts";
import { isStuck, stuckCutoff, stuckJobError, SWEEP_DETAIL_TYPE } from "../core/job/sweep.ts";
import { quicksightDataSetId } from "../core/catalog/spiceRefresh.ts";
import { refreshSpice } from "../core/io/spiceRefresh.ts";
import { defineStep, type StepContext } from "./defineStep.ts";
import "./uses/jobs.ts";
import "./uses/alerts.ts";
import "./uses/outputs.ts";
import "./uses/quicksight.ts";

const SweepInputSchema = v.object({
  "detail-type": v.literal(SWEEP_DETAIL_TYPE),
  olderThanSeconds: v.pipe(v.number(), v.minValue(0)),
});

/**
 * Run on a schedule: marks FAILED, with one alert each, the jobs still RUNNING long after their
 * execution must have ended, whose failure no status-change event reported; in SPICE mode it
 * also runs the refreshes publishes left pending, and the job history's.
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
      ctx.settings.ETL_STAGE,
    );
    await ctx.alerts.publish(message.subject, message.body, { status: "FAILED", dataset: job.dataset });
    await ctx.jobs.markAlerted(job.job_id);
    swept.push(job.job_id);
  }
  ctx.log.info("stuck jobs swept", { swept: swept.length });
  const refreshed = await trailingRefreshes(ctx);
  if (refreshed.length) ctx.log.info("SPICE refreshes", { refreshed });
  return { swept };
});

/**
 * The gold datasets a publish left pending once their interval passed (so a day's last changes
 * do not wait for the next publish), and the job history's dataset, which every job changes, at
 * most once per interval (core/catalog/spiceRefresh.ts).
 */
async function trailingRefreshes(ctx: StepContext): Promise<string[]> {
  const qs = ctx.config.quicksight;
  const { ETL_QUICKSIGHT_ACCOUNT_ID: accountId, ETL_QUICKSIGHT_DATASET_PREFIX: prefix } = ctx.settings;
  if (qs?.mode !== "spice" || !accountId || !prefix) return [];
  const o = { accountId, intervalMinutes: qs.refreshMinutes };
  const gold = ctx.config.gold.map((m) => quicksightDataSetId(prefix, `gold_${m.name}`));
  const pending = await refreshSpice(ctx.quicksight, ctx.outputs, { ...o, dataSetIds: gold, pendingOnly: true });
  const history = await refreshSpice(ctx.quicksight, ctx.outputs, { ...o, dataSetIds: [quicksightDataSetId(prefix, "jobs")] });
  return [...pending.refreshed, ...history.refreshed];
}
