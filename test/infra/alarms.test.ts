import { describe, expect, it } from "vitest";
import { deadLetterAlarm, executionAlarms } from "../../stacks/alarmRules.ts";

const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:Pipeline-abc";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:Alerts-abc";

describe("alarms", () => {
  it("alarms on the first failed execution of the pipeline state machine, to the alerts topic", () => {
    const { failed } = executionAlarms(MACHINE, TOPIC);
    expect(failed).toMatchObject({
      namespace: "AWS/States",
      metricName: "ExecutionsFailed",
      dimensions: { StateMachineArn: MACHINE },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
    });
    // The dimension is the state machine alone: no other dimension would narrow (or miss) it.
    expect(Object.keys(failed.dimensions)).toEqual(["StateMachineArn"]);
    expect(failed.alarmDescription).toMatch(/etl jobs --status FAILED --stage/);
  });

  it("alarms on timed-out executions the same way", () => {
    expect(executionAlarms(MACHINE, TOPIC).timedOut).toMatchObject({
      namespace: "AWS/States",
      metricName: "ExecutionsTimedOut",
      dimensions: { StateMachineArn: MACHINE },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      alarmActions: [TOPIC],
    });
  });

  it("alarms as soon as a dead-letter queue holds a message", () => {
    expect(deadLetterAlarm("FailureDeadLetters-xyz", "why", TOPIC)).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "FailureDeadLetters-xyz" },
      statistic: "Maximum",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      alarmDescription: "why",
    });
  });
});
