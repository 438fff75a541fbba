import type { AuthorizationRequest } from "./evaluate.ts";

/**
 * The IAM request of one SNS query-protocol call (`Action=…` in the form body): the action on
 * the topic it names. Publish may name a phone number or target instead of a topic; those are
 * authorized on `*`, as SNS does for SMS.
 */
export function snsRequests(form: URLSearchParams, region: string, account: string): AuthorizationRequest[] {
  const action = `sns:${form.get("Action") ?? ""}`;
  const topic = form.get("TopicArn") ?? form.get("TargetArn");
  if (topic) return [{ action, resource: topic }];
  if (form.get("Action") === "CreateTopic") return [{ action, resource: `arn:aws:sns:${region}:${account}:${form.get("Name") ?? ""}` }];
  return [{ action, resource: "*" }];
}
