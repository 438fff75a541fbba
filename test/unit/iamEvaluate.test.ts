import { describe, expect, it } from "vitest";
import { evaluate, resourceMatches, type Policy } from "../../local/iam/evaluate.ts";

const allow = (Action: string | string[], Resource: string | string[], extra = {}): Policy => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action, Resource, ...extra }],
});
const effect = (policies: Policy[], action: string, resource: string, context?: Record<string, string | string[]>) =>
  evaluate(policies, { action, resource, context }).effect;

describe("evaluate", () => {
  it("denies by default and allows what a statement names", () => {
    expect(effect([], "s3:GetObject", "arn:aws:s3:::b/k")).toBe("ImplicitDeny");
    expect(effect([allow("s3:GetObject", "arn:aws:s3:::b/k")], "s3:GetObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(effect([allow("s3:GetObject", "arn:aws:s3:::b/k")], "s3:GetObjectVersion", "arn:aws:s3:::b/k")).toBe("ImplicitDeny");
  });

  it("matches actions case-insensitively with wildcards, resources case-sensitively", () => {
    const p = [allow("s3:get*", "arn:aws:s3:::b/in/*")];
    expect(effect(p, "s3:GetObjectVersion", "arn:aws:s3:::b/in/x.csv")).toBe("Allow");
    expect(effect(p, "s3:PutObject", "arn:aws:s3:::b/in/x.csv")).toBe("ImplicitDeny");
    expect(effect(p, "s3:GetObject", "arn:aws:s3:::b/IN/x.csv")).toBe("ImplicitDeny");
    // `*` crosses slashes inside the resource part; `?` is one character.
    expect(effect(p, "s3:GetObject", "arn:aws:s3:::b/in/a/b/c")).toBe("Allow");
    expect(effect([allow("s3:GetObject", "arn:aws:s3:::b/k?")], "s3:GetObject", "arn:aws:s3:::b/k1")).toBe("Allow");
    expect(effect([allow("s3:GetObject", "arn:aws:s3:::b/k?")], "s3:GetObject", "arn:aws:s3:::b/k12")).toBe("ImplicitDeny");
    // A bucket grant is not an object grant, and a prefix grant is not the bucket.
    expect(effect([allow("s3:ListBucket", "arn:aws:s3:::b")], "s3:ListBucket", "arn:aws:s3:::b/k")).toBe("ImplicitDeny");
    expect(effect(p, "s3:GetObject", "arn:aws:s3:::b")).toBe("ImplicitDeny");
  });

  it("keeps wildcards inside one ARN segment", () => {
    expect(resourceMatches("arn:aws:dynamodb:*:*:table/jobs", "arn:aws:dynamodb:eu-west-1:1:table/jobs")).toBe(true);
    expect(resourceMatches("arn:aws:dynamodb:eu-*", "arn:aws:dynamodb:eu-west-1:1:table/jobs")).toBe(false);
    expect(resourceMatches("arn:aws:dynamodb:*:*:table/jobs", "arn:aws:dynamodb:eu-west-1:1:table/jobs/index/by_status")).toBe(false);
    expect(resourceMatches("arn:aws:dynamodb:*:*:table/jobs*", "arn:aws:dynamodb:eu-west-1:1:table/jobs/index/by_status")).toBe(true);
    expect(resourceMatches("*", "arn:aws:sns:eu-west-1:1:topic")).toBe(true);
  });

  it("lets an explicit deny win over any allow, in any policy", () => {
    const deny: Policy = { Statement: { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::b/secret/*" } };
    const p = [allow("s3:*", "*"), deny];
    expect(effect(p, "s3:GetObject", "arn:aws:s3:::b/secret/x")).toBe("ExplicitDeny");
    expect(effect(p, "s3:GetObject", "arn:aws:s3:::b/public/x")).toBe("Allow");
  });

  it("applies NotAction and NotResource as complements", () => {
    const p: Policy[] = [
      allow("*", "*"),
      { Statement: [{ Effect: "Deny", NotAction: ["s3:GetObject", "s3:ListBucket"], Resource: "arn:aws:s3:::b/*" }] },
      { Statement: [{ Effect: "Deny", Action: "sns:Publish", NotResource: "arn:aws:sns:r:1:alerts" }] },
    ];
    expect(effect(p, "s3:GetObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(effect(p, "s3:DeleteObject", "arn:aws:s3:::b/k")).toBe("ExplicitDeny");
    expect(effect(p, "sns:Publish", "arn:aws:sns:r:1:alerts")).toBe("Allow");
    expect(effect(p, "sns:Publish", "arn:aws:sns:r:1:other")).toBe("ExplicitDeny");
  });

  it("requires every condition, any of a condition's values, and treats a missing key as IAM does", () => {
    const p = [
      allow("s3:ListBucket", "arn:aws:s3:::b", {
        Condition: { StringLike: { "s3:prefix": ["incoming/*", "archived/*"] }, StringEquals: { "aws:SourceAccount": "111" } },
      }),
    ];
    expect(effect(p, "s3:ListBucket", "arn:aws:s3:::b", { "s3:prefix": "archived/x", "aws:SourceAccount": "111" })).toBe("Allow");
    expect(effect(p, "s3:ListBucket", "arn:aws:s3:::b", { "S3:Prefix": "incoming/", "aws:sourceaccount": "111" })).toBe("Allow");
    expect(effect(p, "s3:ListBucket", "arn:aws:s3:::b", { "s3:prefix": "other/", "aws:SourceAccount": "111" })).toBe("ImplicitDeny");
    expect(effect(p, "s3:ListBucket", "arn:aws:s3:::b", { "s3:prefix": "incoming/", "aws:SourceAccount": "222" })).toBe("ImplicitDeny");
    expect(effect(p, "s3:ListBucket", "arn:aws:s3:::b", { "aws:SourceAccount": "111" })).toBe("ImplicitDeny");

    const negated = [allow("s3:GetObject", "*", { Condition: { StringNotEquals: { "aws:SourceAccount": "999" } } })];
    expect(effect(negated, "s3:GetObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(effect(negated, "s3:GetObject", "arn:aws:s3:::b/k", { "aws:SourceAccount": "999" })).toBe("ImplicitDeny");
    const ifExists = [allow("s3:GetObject", "*", { Condition: { StringEqualsIfExists: { "aws:SourceAccount": "1" } } })];
    expect(effect(ifExists, "s3:GetObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(effect(ifExists, "s3:GetObject", "arn:aws:s3:::b/k", { "aws:SourceAccount": "2" })).toBe("ImplicitDeny");
    const tls = [{ Statement: [{ Effect: "Deny" as const, Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } }] }, allow("s3:*", "*")];
    expect(effect(tls, "s3:GetObject", "arn:aws:s3:::b/k", { "aws:SecureTransport": "false" })).toBe("ExplicitDeny");
    expect(effect(tls, "s3:GetObject", "arn:aws:s3:::b/k", { "aws:SecureTransport": "true" })).toBe("Allow");
    const absent = [allow("s3:GetObject", "*", { Condition: { Null: { "s3:x-amz-server-side-encryption": "true" } } })];
    expect(effect(absent, "s3:GetObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(effect(absent, "s3:GetObject", "arn:aws:s3:::b/k", { "s3:x-amz-server-side-encryption": "AES256" })).toBe("ImplicitDeny");
    const arn = [allow("sns:Publish", "*", { Condition: { ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:*:111:alarm:*" } } })];
    expect(effect(arn, "sns:Publish", "t", { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111:alarm:dlq" })).toBe("Allow");
    expect(effect(arn, "sns:Publish", "t", { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:222:alarm:dlq" })).toBe("ImplicitDeny");
  });

  it("refuses to guess an operator it does not know", () => {
    expect(() => effect([allow("s3:GetObject", "*", { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })], "s3:GetObject", "x")).toThrow(
      /IpAddress/,
    );
  });
});
