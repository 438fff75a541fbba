import { failureDeadLetters } from "./deadLetters.ts";
import { executionFailedPattern } from "./eventPatterns.ts";
import { pipelineFunctions } from "./functions.ts";
import { pipeline } from "./pipeline.ts";
import { deadLetterQueuePolicy } from "./policies.ts";

/** How long EventBridge and Lambda keep trying to record a failure before it goes to the dead letters. */
const MAX_EVENT_AGE_SECONDS = 6 * 3600;

/**
 * Executions that failed at a step after its retries, timed out or were aborted: no Catch sees
 * those, so this rule runs the same mark-failed-and-alert code (docs/design.md decision 4).
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

/**
 * The fail function receives the status-change event itself, with the execution's ARN and input.
 * EventBridge invokes it asynchronously: an invocation it cannot make goes to the dead letters.
 */
export const failureTarget = new aws.cloudwatch.EventTarget("FailureTarget", {
  rule: failureRule.name,
  arn: pipelineFunctions.fail.arn,
  retryPolicy: { maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS, maximumRetryAttempts: 185 },
  deadLetterConfig: { arn: failureDeadLetters.arn },
});

export const failureDeadLettersAccess = new aws.sqs.QueuePolicy("FailureDeadLettersPolicy", {
  queueUrl: failureDeadLetters.url,
  policy: $resolve([failureDeadLetters.arn, failureRule.arn]).apply(([queue, rule]) => JSON.stringify(deadLetterQueuePolicy(queue, rule))),
});

/**
 * An invocation that reached the function but failed after Lambda's own retries (an alert SNS
 * would not take, say) goes to the same dead letters instead of being dropped.
 */
export const failureInvokeConfig = new aws.lambda.FunctionEventInvokeConfig("FailureInvokeConfig", {
  functionName: pipelineFunctions.fail.name,
  maximumRetryAttempts: 2,
  maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS,
  destinationConfig: { onFailure: { destination: failureDeadLetters.arn } },
});
