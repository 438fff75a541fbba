import { sweepEvent } from "../core/job/sweep.ts";
import { EXECUTION_TIMEOUT_SECONDS } from "../workflows/pipeline.ts";
import { pipelineFunctions } from "./functions.ts";

/**
 * Step Functions delivers status-change events best effort, and a lost one would leave its job
 * RUNNING forever: every hour, the sweep marks FAILED (and alerts) the jobs RUNNING past the
 * state machine's timeout.
 */
export const sweepRule = new aws.cloudwatch.EventRule("SweepRule", {
  description: "Marks jobs stuck RUNNING past the pipeline's timeout as FAILED",
  scheduleExpression: "rate(1 hour)",
});

export const sweepInvokePermission = new aws.lambda.Permission("SweepRuleInvoke", {
  action: "lambda:InvokeFunction",
  function: pipelineFunctions.sweep.name,
  principal: "events.amazonaws.com",
  sourceArn: sweepRule.arn,
});

/** The target's input replaces the scheduled event: the sweep gets its threshold, nothing else. */
export const sweepTarget = new aws.cloudwatch.EventTarget("SweepTarget", {
  rule: sweepRule.name,
  arn: pipelineFunctions.sweep.arn,
  input: JSON.stringify(sweepEvent(EXECUTION_TIMEOUT_SECONDS)),
});
