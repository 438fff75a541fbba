import { describe, expect, it } from "vitest";
import { executionFailedPattern, uploadPattern } from "../../stacks/eventPatterns.ts";
import objectCreated from "./fixtures/objectCreated.json" with { type: "json" };
import statusChange from "./fixtures/executionStatusChange.json" with { type: "json" };
import { matchesEventPattern } from "./matchEventPattern.ts";

const RAW_BUCKET = "etl-raw";
const MACHINE_ARN = "arn:aws:states:eu-west-1:111122223333:stateMachine:Pipeline-abc";

function upload(changes: { bucket?: string; key?: string; detailType?: string }) {
  const event = structuredClone(objectCreated);
  if (changes.bucket) event.detail.bucket.name = changes.bucket;
  if (changes.key) event.detail.object.key = changes.key;
  if (changes.detailType) event["detail-type"] = changes.detailType;
  return event;
}

function statusChanged(changes: { status?: string; stateMachineArn?: string; detailType?: string }) {
  const event = structuredClone(statusChange);
  if (changes.status) event.detail.status = changes.status;
  if (changes.stateMachineArn) event.detail.stateMachineArn = changes.stateMachineArn;
  if (changes.detailType) event["detail-type"] = changes.detailType;
  return event;
}

describe("matchesEventPattern", () => {
  it("applies EventBridge's rules: alternatives, typed exact values, prefixes, arrays in the event, missing fields", () => {
    expect(matchesEventPattern({ a: ["x", "y"] }, { a: "y" })).toBe(true);
    expect(matchesEventPattern({ a: ["5"] }, { a: 5 })).toBe(false);
    expect(matchesEventPattern({ a: [{ prefix: "in/" }] }, { a: "in/f" })).toBe(true);
    expect(matchesEventPattern({ a: [{ prefix: "in/" }] }, { a: "xin/f" })).toBe(false);
    expect(matchesEventPattern({ a: ["x"] }, { a: ["w", "x"] })).toBe(true);
    expect(matchesEventPattern({ a: { b: ["x"] } }, { a: {} })).toBe(false);
    expect(matchesEventPattern({ a: ["x"] }, {})).toBe(false);
  });

  it("refuses operators it does not implement", () => {
    expect(() => matchesEventPattern({ a: [{ suffix: ".csv" } as never] }, { a: "f.csv" })).toThrow(/not supported/);
  });
});

describe("uploadPattern", () => {
  const pattern = uploadPattern(RAW_BUCKET);

  it("matches an object created under incoming/ in the raw bucket", () => {
    expect(matchesEventPattern(pattern, upload({}))).toBe(true);
  });

  it.each(["incoming/a file+with %25 and ü.csv", "incoming/sales+2024%2F05.csv.gz", "incoming/top.json"])(
    "matches the key %s, encoded or not",
    (key) => {
      expect(matchesEventPattern(pattern, upload({ key }))).toBe(true);
    },
  );

  it.each(["archived/sales/sales_2024-05-06.csv", "incomingx/a.csv", "incoming", "x/incoming/a.csv", "Incoming/a.csv"])(
    "does not match the key %s (archive's copies must not start executions)",
    (key) => {
      expect(matchesEventPattern(pattern, upload({ key }))).toBe(false);
    },
  );

  it("does not match another bucket", () => {
    expect(matchesEventPattern(pattern, upload({ bucket: "etl-lake" }))).toBe(false);
    expect(matchesEventPattern(pattern, upload({ bucket: "etl-raw-2" }))).toBe(false);
  });

  it("does not match other S3 events", () => {
    expect(matchesEventPattern(pattern, upload({ detailType: "Object Deleted" }))).toBe(false);
    expect(matchesEventPattern(pattern, { ...upload({}), source: "aws.s3.other" })).toBe(false);
  });

  it("serializes to the JSON EventBridge takes", () => {
    expect(JSON.parse(JSON.stringify(pattern))).toEqual(pattern);
  });
});

describe("executionFailedPattern", () => {
  const pattern = executionFailedPattern(MACHINE_ARN);

  it.each(["FAILED", "TIMED_OUT", "ABORTED"])("matches %s executions of this state machine", (status) => {
    expect(matchesEventPattern(pattern, statusChanged({ status }))).toBe(true);
  });

  it.each(["RUNNING", "SUCCEEDED", "PENDING_REDRIVE"])("does not match %s executions", (status) => {
    expect(matchesEventPattern(pattern, statusChanged({ status }))).toBe(false);
  });

  it("does not match another state machine's executions", () => {
    const other = "arn:aws:states:eu-west-1:111122223333:stateMachine:Pipeline-abc-other";
    expect(matchesEventPattern(pattern, statusChanged({ stateMachineArn: other }))).toBe(false);
  });

  it("does not match other Step Functions events", () => {
    expect(matchesEventPattern(pattern, statusChanged({ detailType: "Step Functions State Machine Status Change" }))).toBe(false);
  });
});
