import { alertsTopic } from "./alerts.ts";
import { executionAlarms } from "./alarmRules.ts";
import { pipeline } from "./pipeline.ts";

const definitions = executionAlarms(pipeline.arn, alertsTopic.arn);

/** The pipeline's failed executions, alarmed on the alerts topic (the dead-letter alarms are in deadLetters.ts). */
export const executionsFailedAlarm = new aws.cloudwatch.MetricAlarm("ExecutionsFailedAlarm", definitions.failed);

/** Executions that ran past the state machine's timeout: no step failed, so only this names them at once. */
export const executionsTimedOutAlarm = new aws.cloudwatch.MetricAlarm("ExecutionsTimedOutAlarm", definitions.timedOut);
