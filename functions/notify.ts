import * as v from "valibot";
import type { JobRecord } from "../core/job/jobRecord.ts";
import { successMessage } from "../core/job/messages.ts";
import { publishStepMetrics } from "../core/metrics.ts";
import { ExtractedSchema, LoadOutputSchema } from "../core/pointers.ts";
import { defineStep, type StepContext } from "./defineStep.ts";
import "./uses/store.ts";
import "./uses/jobs.ts";
import "./uses/outputs.ts";
import "./uses/alerts.ts";
import { recordJobHistory } from "../core/io/catalogJobHistory.ts";
import { schemaChangeMessage } from "../core/schema/schemaChangeMessage.ts";

const NotifyInputSchema = v.object({ extract: ExtractedSchema, load: LoadOutputSchema });

/**
 * Ends the job: SUCCESS when its version of the key is the committed one, SUPERSEDED when a newer
 * upload of the key took its place meanwhile (this job then only kept gold right), and publishes
 * the summary of a success, and the diff of a schema version the job created (whatever
 * `alerts.success` says: a changed schema concerns every reader). A failed publish is logged,
 * never fails the job.
 */
export const handler = defineStep("notify", NotifyInputSchema, async ({ extract }, ctx) => {
  const { job } = extract;
  await ctx.jobs.enterStep(job.jobId, "notify");
  const committed = await ctx.outputs.source(job.dataset, job.sourceId);
  const status = committed?.job_id === job.jobId ? "SUCCESS" : "SUPERSEDED";
  await ctx.jobs.finish(job.jobId, status);
  const record = (await ctx.jobs.get(job.jobId))!;
  await recordJobHistory(ctx.store, ctx.settings.ETL_LAKE_BUCKET, record);
  await announceSchema(ctx, record);
  if (record.status !== "SUCCESS") return { status: record.status };
  const st = record.stats;
  publishStepMetrics("job", job.dataset, {
    RowsIn: st.inputRows,
    SilverRows: st.silverRows,
    QuarantinedRows: st.quarantinedRows,
    DuplicateRows: st.duplicateRows,
    GoldRows: st.goldRows,
  });
  if (ctx.config.alerts.success === "none") return { status: "SUCCESS" as const };
  const durationMs = Date.parse(record.finished_at ?? record.updated_at) - Date.parse(record.started_at);
  const message = successMessage(record, ctx.settings.ETL_LAKE_BUCKET, durationMs);
  try {
    const messageId = await ctx.alerts.publish(message.subject, message.body, { status: "SUCCESS", dataset: job.dataset });
    return { status: "SUCCESS" as const, messageId };
  } catch (error) {
    ctx.log.error("success notification not sent", { error: (error as Error).message });
    return { status: "SUCCESS" as const };
  }
});

/** Announces on SNS the schema version this job created, with its diff (core/schema/schemaChangeMessage.ts). */
async function announceSchema(ctx: StepContext, record: JobRecord): Promise<void> {
  const message = schemaChangeMessage(record, ctx.settings.ETL_LAKE_BUCKET);
  if (!message) return;
  try {
    await ctx.alerts.publish(message.subject, message.body, message.attributes);
  } catch (error) {
    ctx.log.error("schema change not announced", { error: (error as Error).message });
  }
}
