import { RAW_PREFIXES } from "../core/lake/layout.ts";

/** An EventBridge event pattern (the subset of the syntax this app uses). */
export type EventPattern = { [field: string]: EventPattern | ReadonlyArray<string | { prefix: string }> };

/** The execution outcomes that no Catch sees, reported by the status-change rule (docs/design.md decision 4). */
export const FAILED_EXECUTION_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

/**
 * Uploads that start an execution: objects created under `incoming/` of the raw bucket. The
 * prefix matters beyond filtering: archive copies each upload to `archived/` in the same
 * bucket, and that copy must not start another execution.
 */
export function uploadPattern(rawBucketName: string): EventPattern {
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: {
      bucket: { name: [rawBucketName] },
      object: { key: [{ prefix: RAW_PREFIXES.incoming }] },
    },
  };
}

/** Executions of this state machine that ended without success, whatever the cause. */
export function executionFailedPattern(stateMachineArn: string): EventPattern {
  return {
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: {
      stateMachineArn: [stateMachineArn],
      status: [...FAILED_EXECUTION_STATUSES],
    },
  };
}
