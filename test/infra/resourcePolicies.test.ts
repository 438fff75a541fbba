import { describe, expect, it } from "vitest";
import { alertsKeyPolicy, alertsTopicPolicy, deadLetterQueuePolicy, type ResourcePolicyDocument } from "../../stacks/policies.ts";
import { evaluate, type Statement } from "../../local/iam/evaluate.ts";

const ACCOUNT = "111122223333";
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`;
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:dead-letters`;
const RULE = `arn:aws:events:eu-west-1:${ACCOUNT}:rule/failure`;

/** IAM's evaluation of a resource policy for one principal: the statements naming it, Principal "*" included. */
function effect(doc: ResourcePolicyDocument, principal: { Service: string } | { AWS: string }, action: string, resource: string, context = {}) {
  const statements = doc.Statement.filter(
    (s) => s.Principal === "*" || JSON.stringify(s.Principal) === JSON.stringify(principal),
  ) as unknown as Statement[];
  return evaluate([{ Statement: statements }], { action, resource, context }).effect;
}

const cloudwatch = { Service: "cloudwatch.amazonaws.com" };
const alarm = (account: string) => ({ "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${account}:alarm:dlq`, "aws:SourceAccount": account, "aws:SecureTransport": "true" });

describe("alertsKeyPolicy", () => {
  const doc = alertsKeyPolicy(ACCOUNT);

  it("lets this account's CloudWatch alarms create data keys for the encrypted topic, and no other account's", () => {
    expect(effect(doc, cloudwatch, "kms:GenerateDataKey", "*", alarm(ACCOUNT))).toBe("Allow");
    expect(effect(doc, cloudwatch, "kms:Decrypt", "*", alarm(ACCOUNT))).toBe("Allow");
    expect(effect(doc, cloudwatch, "kms:GenerateDataKey", "*", alarm("999999999999"))).toBe("ImplicitDeny");
    expect(effect(doc, cloudwatch, "kms:ScheduleKeyDeletion", "*", alarm(ACCOUNT))).toBe("ImplicitDeny");
  });

  it("leaves everyone else to the account's IAM policies (the functions' grants)", () => {
    expect(effect(doc, { AWS: `arn:aws:iam::${ACCOUNT}:root` }, "kms:Decrypt", "*")).toBe("Allow");
    expect(effect(doc, { Service: "events.amazonaws.com" }, "kms:Decrypt", "*")).toBe("ImplicitDeny");
  });
});

describe("alertsTopicPolicy", () => {
  const doc = alertsTopicPolicy(TOPIC, ACCOUNT);

  it("lets this account's alarms publish to the topic over TLS only", () => {
    expect(effect(doc, cloudwatch, "sns:Publish", TOPIC, alarm(ACCOUNT))).toBe("Allow");
    expect(effect(doc, cloudwatch, "sns:Publish", TOPIC, { ...alarm(ACCOUNT), "aws:SecureTransport": "false" })).toBe("ExplicitDeny");
    expect(effect(doc, cloudwatch, "sns:Publish", TOPIC, alarm("999999999999"))).toBe("ImplicitDeny");
    expect(effect(doc, cloudwatch, "sns:Subscribe", TOPIC, alarm(ACCOUNT))).toBe("ImplicitDeny");
  });
});

describe("deadLetterQueuePolicy", () => {
  const doc = deadLetterQueuePolicy(QUEUE, RULE);

  it("lets EventBridge send this rule's undeliverable events, and only this rule's", () => {
    const events = { Service: "events.amazonaws.com" };
    expect(effect(doc, events, "sqs:SendMessage", QUEUE, { "aws:SourceArn": RULE })).toBe("Allow");
    expect(effect(doc, events, "sqs:SendMessage", QUEUE, { "aws:SourceArn": `${RULE}-other` })).toBe("ImplicitDeny");
    expect(effect(doc, events, "sqs:ReceiveMessage", QUEUE, { "aws:SourceArn": RULE })).toBe("ImplicitDeny");
  });
});
