import etlConfig from "../etl.config.ts";
import { alertsKey } from "./alertsKey.ts";
import { alertsTopicPolicy } from "./policies.ts";

const accountId = aws.getCallerIdentityOutput().accountId;

/** Failure alerts, job summaries and alarms; encrypted at rest with the alerts key. */
export const alertsTopic = new sst.aws.SnsTopic("Alerts", {
  transform: { topic: { kmsMasterKeyId: alertsKey.arn } },
});

/** This account's CloudWatch alarms may publish; nobody may without TLS. */
export const alertsTopicAccess = new aws.sns.TopicPolicy("AlertsTopicPolicy", {
  arn: alertsTopic.arn,
  policy: $resolve([alertsTopic.arn, accountId]).apply(([arn, id]) => JSON.stringify(alertsTopicPolicy(arn, id))),
});

/** AWS mails a confirmation link first: alerts arrive once the recipient has clicked it. */
export const alertsEmail = etlConfig.alerts?.email
  ? new aws.sns.TopicSubscription("AlertsEmail", {
      topic: alertsTopic.arn,
      protocol: "email",
      endpoint: etlConfig.alerts?.email,
    })
  : undefined;
