import { alertsKeyPolicy } from "./policies.ts";

const accountId = aws.getCallerIdentityOutput().accountId;

/**
 * The customer-managed key the alerts topic is encrypted with (AWS's own SNS key cannot be
 * used by CloudWatch alarms, whose DLQ-depth alarm publishes there). Rotated yearly.
 */
export const alertsKey = new aws.kms.Key("AlertsKey", {
  description: `${$app.name} ${$app.stage}: encrypts the alerts topic`,
  enableKeyRotation: true,
  deletionWindowInDays: 30,
  policy: accountId.apply((id) => JSON.stringify(alertsKeyPolicy(id))),
});

export const alertsKeyAlias = new aws.kms.Alias("AlertsKeyAlias", {
  name: `alias/${$app.name}-${$app.stage}-alerts`,
  targetKeyId: alertsKey.keyId,
});
