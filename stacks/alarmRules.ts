/**
 * The CloudWatch alarms of the deployment, as pure data (`aws.cloudwatch.MetricAlarm`'s
 * arguments), generic over how ARNs and names are given (Pulumi outputs deployed, strings in tests).
 * Each fires on the first occurrence in a 5-minute period and publishes to the alerts topic;
 * no data (nothing ran) is not a breach.
 */
export type AlarmDefinition<T> = {
  alarmDescription: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, T>;
  statistic: "Sum" | "Maximum";
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: "GreaterThanThreshold";
  treatMissingData: "notBreaching";
  alarmActions: T[];
};

function firstOccurrence<T>(alarm: Pick<AlarmDefinition<T>, "alarmDescription" | "namespace" | "metricName" | "dimensions" | "statistic">, topicArn: T): AlarmDefinition<T> {
  return { ...alarm, period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching", alarmActions: [topicArn] };
}

/**
 * Executions of the pipeline that failed (`ExecutionsFailed`) or timed out
 * (`ExecutionsTimedOut`). Each also gets a per-job alert from the failure handler; the alarm is
 * the signal that still arrives when that handler, its rule or SNS publishing is what broke.
 */
export function executionAlarms<T>(stateMachineArn: T, topicArn: T): Record<"failed" | "timedOut", AlarmDefinition<T>> {
  const execution = (metricName: string, what: string) =>
    firstOccurrence<T>(
      {
        alarmDescription: `Pipeline executions ${what}: etl jobs --status FAILED --stage <stage> lists them, etl job <jobId> says what fixes each`,
        namespace: "AWS/States",
        metricName,
        dimensions: { StateMachineArn: stateMachineArn },
        statistic: "Sum",
      },
      topicArn,
    );
  return { failed: execution("ExecutionsFailed", "failed"), timedOut: execution("ExecutionsTimedOut", "timed out") };
}

/** Anything in a dead-letter queue: an event that lands there is an upload never processed or a failure never recorded. */
export function deadLetterAlarm<T>(queueName: T, description: string, topicArn: T): AlarmDefinition<T> {
  return firstOccurrence<T>(
    {
      alarmDescription: description,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queueName },
      statistic: "Maximum",
    },
    topicArn,
  );
}
