import { uploadPattern } from "./eventPatterns.ts";
import { pipeline } from "./pipeline.ts";
import { uploadDeadLetters } from "./deadLetters.ts";
import { assumeRolePolicy, deadLetterQueuePolicy, policyDocument, startExecutionPermissions } from "./policies.ts";
import { rawBucket } from "./storage.ts";

const accountId = aws.getCallerIdentityOutput().accountId;

/** Every upload under `incoming/` of the raw bucket. */
export const uploadRule = new aws.cloudwatch.EventRule("UploadRule", {
  description: "Starts the pipeline for each object created under incoming/ in the raw bucket",
  eventPattern: rawBucket.name.apply((name) => JSON.stringify(uploadPattern(name))),
});

/** The rule's role: it may start executions of this state machine only. */
export const uploadRuleRole = new aws.iam.Role("UploadRuleRole", {
  assumeRolePolicy: accountId.apply((id) => JSON.stringify(assumeRolePolicy("events.amazonaws.com", id))),
  inlinePolicies: [
    {
      name: "start-pipeline",
      policy: pipeline.arn.apply((arn) => JSON.stringify(policyDocument(startExecutionPermissions(arn)))),
    },
  ],
});

/**
 * The whole event is the execution's input. EventBridge retries a failed StartExecution for up
 * to 24 hours, then puts the event in the dead letters (alarmed) instead of dropping the upload;
 * deduplication of repeated deliveries is extract's job (docs/design.md decision 8).
 */
export const uploadTarget = new aws.cloudwatch.EventTarget("UploadTarget", {
  rule: uploadRule.name,
  arn: pipeline.arn,
  roleArn: uploadRuleRole.arn,
  retryPolicy: { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 },
  deadLetterConfig: { arn: uploadDeadLetters.arn },
});

export const uploadDeadLettersAccess = new aws.sqs.QueuePolicy("UploadDeadLettersPolicy", {
  queueUrl: uploadDeadLetters.url,
  policy: $resolve([uploadDeadLetters.arn, uploadRule.arn]).apply(([queue, rule]) => JSON.stringify(deadLetterQueuePolicy(queue, rule))),
});
