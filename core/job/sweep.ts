import type { JobError, JobRecord } from "./jobRecord.ts";

/** The scheduled rule's input to the sweep function (stacks/sweep.ts builds it). */
export const SWEEP_DETAIL_TYPE = "Sweep Stuck Jobs";
export type SweepEvent = { "detail-type": typeof SWEEP_DETAIL_TYPE; olderThanSeconds: number };

/**
 * A job RUNNING this long has outlived its execution: Step Functions ends an execution at the
 * state machine's timeout, and the margin covers the status-change event that may still be on
 * its way (EventBridge delivers those best effort).
 */
export function sweepEvent(executionTimeoutSeconds: number, marginSeconds = 15 * 60): SweepEvent {
  return { "detail-type": SWEEP_DETAIL_TYPE, olderThanSeconds: executionTimeoutSeconds + marginSeconds };
}

/** The instant before which a RUNNING job counts as stuck. */
export function stuckCutoff(now: Date, olderThanSeconds: number): string {
  return new Date(now.getTime() - olderThanSeconds * 1000).toISOString();
}

/**
 * Stuck: RUNNING, started before the cutoff and not touched since. A redriven job keeps its
 * first start time but each step it enters touches it, so a live redrive is never swept.
 */
export function isStuck(job: Pick<JobRecord, "status" | "started_at" | "updated_at">, cutoff: string): boolean {
  return job.status === "RUNNING" && job.started_at < cutoff && job.updated_at < cutoff;
}

/** What the job record and the alert say about a swept job. */
export function stuckJobError(job: Pick<JobRecord, "step" | "updated_at" | "execution_id">, olderThanSeconds: number): JobError {
  const hours = Math.round((olderThanSeconds / 3600) * 10) / 10;
  return {
    type: "ExecutionLost",
    message:
      `The job was still RUNNING at ${job.step} ${hours} h after its last step began (${job.updated_at}), past the state machine's timeout: ` +
      `its execution ${job.execution_id} ended without its outcome being recorded. Redrive that execution from the Step Functions console if it failed, or upload the file again.`,
    step: job.step,
  };
}
