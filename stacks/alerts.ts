import etlConfig from "../etl.config.ts";

/** Failure alerts and job summaries. */
export const alertsTopic = new sst.aws.SnsTopic("Alerts");

/** AWS mails a confirmation link first: alerts arrive once the recipient has clicked it. */
export const alertsEmail = etlConfig.alerts?.email
  ? new aws.sns.TopicSubscription("AlertsEmail", {
      topic: alertsTopic.arn,
      protocol: "email",
      endpoint: etlConfig.alerts?.email,
    })
  : undefined;
