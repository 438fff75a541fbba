import { alertsTopic } from "./alerts.ts";
import { deadLetterAlarm } from "./alarmRules.ts";

/** SQS keeps a message at most 14 days: as long as the redrive window, time to look at it. */
const FOURTEEN_DAYS_SECONDS = 14 * 86400;

/**
 * A dead-letter queue, and an alarm on the alerts topic as soon as anything lands in it: an
 * event that lands there is an upload never processed or a failure never recorded.
 */
function deadLetterQueue(name: string, description: string) {
  const queue = new aws.sqs.Queue(name, { messageRetentionSeconds: FOURTEEN_DAYS_SECONDS, sqsManagedSseEnabled: true });
  new aws.cloudwatch.MetricAlarm(`${name}Alarm`, deadLetterAlarm(queue.name, description, alertsTopic.arn));
  return queue;
}

/** Upload events EventBridge could not deliver to the state machine: those uploads never started. */
export const uploadDeadLetters = deadLetterQueue(
  "UploadDeadLetters",
  "Uploads whose event never started the pipeline: start an execution with the message body as input",
);

/**
 * Status-change events the failure handler never recorded: EventBridge could not invoke it, or it
 * failed on every try (Lambda's on-failure destination). The jobs stay RUNNING until the sweep.
 */
export const failureDeadLetters = deadLetterQueue(
  "FailureDeadLetters",
  "Failed executions whose failure was never recorded or alerted: see the message for the execution",
);
