import { executionFailedPattern } from "./eventPatterns.ts";
import { pipelineFunctions } from "./functions.ts";
import { pipeline } from "./pipeline.ts";

/**
 * Executions that failed at a step after its retries, timed out or were aborted: no Catch sees
 * those, so this rule runs the same mark-failed-and-alert code (DESIGN.md decision 4).
 */
export const failureRule = new aws.cloudwatch.EventRule("FailureRule", {
  description: "Marks the job failed and alerts when a pipeline execution fails, times out or is aborted",
  eventPattern: pipeline.arn.apply((arn) => JSON.stringify(executionFailedPattern(arn))),
});

/** Lambda targets are authorized by the function's resource policy, not by a role. */
export const failureInvokePermission = new aws.lambda.Permission("FailureRuleInvoke", {
  action: "lambda:InvokeFunction",
  function: pipelineFunctions.fail.name,
  principal: "events.amazonaws.com",
  sourceArn: failureRule.arn,
});

/** The fail function receives the status-change event itself, with the execution's ARN and input. */
export const failureTarget = new aws.cloudwatch.EventTarget("FailureTarget", {
  rule: failureRule.name,
  arn: pipelineFunctions.fail.arn,
});
