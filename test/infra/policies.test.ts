import { describe, expect, it } from "vitest";
import { FUNCTION_NAMES, PIPELINE_FUNCTION_NAMES, type FunctionName } from "../../stacks/handlers.ts";
import {
  assumeRolePolicy,
  functionPermissions,
  policyDocument,
  startExecutionPermissions,
  stateMachinePermissions,
} from "../../stacks/policies.ts";
import { documentAllows, isAllowed } from "./isAllowed.ts";

const RAW = "arn:aws:s3:::etl-raw";
const LAKE = "arn:aws:s3:::etl-lake";
const TABLE = "arn:aws:dynamodb:eu-west-1:111122223333:table/etl-jobs";
const OUTPUTS = "arn:aws:dynamodb:eu-west-1:111122223333:table/etl-outputs";
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:etl-alerts";
const GLUE_DATABASE = "arn:aws:glue:eu-west-1:111122223333:database/etl";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd";
const DLQ = "arn:aws:sqs:eu-west-1:111122223333:failure-dead-letters";
const permissions = functionPermissions({
  rawBucketArn: RAW,
  lakeBucketArn: LAKE,
  jobsTableArn: TABLE,
  outputsTableArn: OUTPUTS,
  alertsTopicArn: TOPIC,
  alertsKeyArn: KEY,
  failureDeadLettersArn: DLQ,
  glueDatabaseArn: GLUE_DATABASE,
});

/** Places a request can target, named as in the expectations below. */
const OBJECTS: Record<string, string> = {
  "raw/incoming": `${RAW}/incoming/sales/sales_2024-05-06.csv`,
  "raw/archived": `${RAW}/archived/sales/sales_2024-05-06.csv`,
  "raw/other": `${RAW}/elsewhere/x.csv`,
  "lake/bronze": `${LAKE}/bronze/sales/job-1/sales_2024-05-06.csv`,
  "lake/silver": `${LAKE}/silver/sales/year=2024/month=05/day=06/part-0.parquet`,
  "lake/quarantine": `${LAKE}/quarantine/sales/src-1.parquet`,
  "lake/staging": `${LAKE}/staging/job-1/gold/daily/year=2024/month=05/day=06/part.parquet`,
  "lake/gold": `${LAKE}/gold/daily/year=2024/month=05/day=06/part.parquet`,
  "lake/manifests": `${LAKE}/manifests/sales/src-1.json`,
  "lake/jobs": `${LAKE}/jobs/job-1/clean.json`,
  "lake/other": `${LAKE}/elsewhere/x`,
};
const OTHERS: Record<string, string> = {
  "raw bucket": RAW,
  "lake bucket": LAKE,
  table: TABLE,
  outputs: OUTPUTS,
  "table index": `${TABLE}/index/by_status`,
  "other table": "arn:aws:dynamodb:eu-west-1:111122223333:table/other",
  topic: TOPIC,
  "other topic": "arn:aws:sns:eu-west-1:111122223333:other",
  key: KEY,
  "other key": "arn:aws:kms:eu-west-1:111122223333:key/other",
  "failure dlq": DLQ,
  "other queue": "arn:aws:sqs:eu-west-1:111122223333:other",
  anything: "*",
};
const OBJECT_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"];
const OTHER_ACTIONS = [
  "s3:ListBucket",
  "s3:ListBucketVersions",
  "s3:PutBucketPolicy",
  "s3:DeleteBucket",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:BatchGetItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "sns:Publish",
  "sns:Subscribe",
  "kms:GenerateDataKey",
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:ScheduleKeyDeletion",
  "sqs:SendMessage",
  "sqs:ReceiveMessage",
  "lambda:InvokeFunction",
  "states:StartExecution",
  "iam:PassRole",
];

/** What each function needs, read from the calls its handler makes (functions/*.ts). */
const EXPECTED: Record<FunctionName, string[]> = {
  extract: [
    "s3:GetObject raw/incoming",
    "s3:GetObjectVersion raw/incoming",
    "s3:ListBucket raw bucket",
    "s3:PutObject lake/bronze",
    "dynamodb:GetItem table",
    "dynamodb:PutItem table",
    "dynamodb:UpdateItem table",
    "dynamodb:GetItem outputs",
    // A replay reads its version's bronze copy, or the archived one.
    "s3:GetObject lake/bronze",
    "s3:GetObject raw/archived",
  ],
  clean: [
    "s3:GetObject lake/bronze",
    "s3:GetObject lake/staging",
    "s3:GetObject lake/silver",
    "s3:GetObject lake/quarantine",
    "s3:GetObject lake/manifests",
    "s3:GetObject lake/jobs",
    "s3:PutObject lake/staging",
    "s3:PutObject lake/silver",
    "s3:PutObject lake/quarantine",
    "s3:PutObject lake/manifests",
    "s3:PutObject lake/jobs",
    "s3:DeleteObject lake/staging",
    "s3:DeleteObject lake/silver",
    "s3:DeleteObject lake/quarantine",
    "s3:DeleteObject lake/manifests",
    "s3:ListBucket lake bucket",
    "dynamodb:GetItem table",
    "dynamodb:UpdateItem table",
    "dynamodb:GetItem outputs",
    // The compaction records of the partitions a commit changed, read together.
    "dynamodb:BatchGetItem outputs",
    "dynamodb:PutItem outputs",
    "dynamodb:UpdateItem outputs",
  ],
  aggregate: [
    "s3:GetObject lake/silver",
    "s3:GetObject lake/jobs",
    "s3:PutObject lake/staging",
    "s3:PutObject lake/jobs",
    "s3:ListBucket lake bucket",
    "dynamodb:UpdateItem table",
    "dynamodb:BatchGetItem outputs",
  ],
  load: [
    "s3:GetObject lake/staging",
    "s3:GetObject lake/gold",
    "s3:GetObject lake/jobs",
    "s3:PutObject lake/gold",
    "s3:PutObject lake/jobs",
    "s3:DeleteObject lake/gold",
    "s3:DeleteObject lake/staging",
    "s3:ListBucket lake bucket",
    "dynamodb:GetItem table",
    "dynamodb:UpdateItem table",
    "dynamodb:GetItem outputs",
    "dynamodb:PutItem outputs",
  ],
  archive: [
    "s3:GetObject lake/bronze",
    "s3:GetObject raw/incoming",
    "s3:GetObject raw/archived",
    "s3:PutObject raw/archived",
    "s3:DeleteObject raw/incoming",
    "s3:DeleteObjectVersion raw/incoming",
    "s3:ListBucket raw bucket",
    "dynamodb:UpdateItem table",
    "dynamodb:GetItem outputs",
    "dynamodb:PutItem outputs",
    // A retract's erasure: every version of the raw key, its bronze copies and staging.
    "s3:DeleteObject raw/archived",
    "s3:DeleteObjectVersion raw/archived",
    "s3:ListBucketVersions raw bucket",
    "s3:DeleteObject lake/bronze",
    "s3:DeleteObject lake/staging",
    "s3:ListBucket lake bucket",
  ],
  notify: ["dynamodb:GetItem table", "dynamodb:UpdateItem table", "sns:Publish topic", "kms:GenerateDataKey key", "kms:Decrypt key", "dynamodb:GetItem outputs"],
  fail: [
    "dynamodb:GetItem table",
    "dynamodb:UpdateItem table",
    "sns:Publish topic",
    "kms:GenerateDataKey key",
    "kms:Decrypt key",
    "s3:DeleteObject lake/staging",
    "s3:ListBucket lake bucket",
    "sqs:SendMessage failure dlq",
  ],
  sweep: ["dynamodb:Query table index", "dynamodb:UpdateItem table", "sns:Publish topic", "kms:GenerateDataKey key", "kms:Decrypt key"],
};

function allowedRequests(name: FunctionName): string[] {
  const requests = [
    ...OBJECT_ACTIONS.flatMap((action) => Object.entries(OBJECTS).map(([place, arn]) => [action, place, arn])),
    ...[...OBJECT_ACTIONS, ...OTHER_ACTIONS].flatMap((action) => Object.entries(OTHERS).map(([place, arn]) => [action, place, arn])),
  ];
  return requests.filter(([action, , arn]) => isAllowed(permissions[name], action, arn)).map(([action, place]) => `${action} ${place}`);
}

describe("functionPermissions", () => {
  it.each(FUNCTION_NAMES)("lets %s make exactly the requests its handler makes", (name) => {
    expect(allowedRequests(name).sort()).toEqual([...EXPECTED[name]].sort());
  });

  it("grants no wildcard action and no wildcard resource", () => {
    for (const grant of Object.values(permissions).flat()) {
      expect(grant.actions.filter((a) => a.includes("*"))).toEqual([]);
      expect(grant.resources.filter((r) => r === "*" || r.endsWith(":*") || /:::[^/]*\*$/.test(r))).toEqual([]);
    }
  });

  it("keeps each layer's writer alone: only load publishes gold, only clean writes silver, only extract writes bronze", () => {
    const writers = (arn: string) => FUNCTION_NAMES.filter((n) => isAllowed(permissions[n], "s3:PutObject", arn));
    expect(writers(OBJECTS["lake/gold"])).toEqual(["load"]);
    expect(writers(OBJECTS["lake/silver"])).toEqual(["clean"]);
    expect(writers(OBJECTS["lake/bronze"])).toEqual(["extract"]);
    expect(writers(OBJECTS["raw/incoming"])).toEqual([]);
  });
});

describe("stateMachinePermissions", () => {
  const functions = PIPELINE_FUNCTION_NAMES.map((n) => `arn:aws:lambda:eu-west-1:111122223333:function:etl-${n}`);
  const document = policyDocument(stateMachinePermissions(functions));

  it("lets the state machine invoke each of the seven functions", () => {
    for (const arn of functions) expect(documentAllows(document, "lambda:InvokeFunction", arn)).toBe(true);
  });

  it("lets it invoke nothing else and do nothing else", () => {
    expect(documentAllows(document, "lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:111122223333:function:other")).toBe(false);
    expect(documentAllows(document, "lambda:InvokeFunction", `${functions[0]}:live`)).toBe(false);
    expect(document.Statement.flatMap((s) => s.Action)).toEqual(["lambda:InvokeFunction"]);
  });
});

describe("startExecutionPermissions", () => {
  const machine = "arn:aws:states:eu-west-1:111122223333:stateMachine:Pipeline-abc";
  const document = policyDocument(startExecutionPermissions(machine));

  it("lets the upload rule start this state machine only", () => {
    expect(documentAllows(document, "states:StartExecution", machine)).toBe(true);
    expect(documentAllows(document, "states:StartExecution", `${machine}-other`)).toBe(false);
    expect(documentAllows(document, "states:StopExecution", machine)).toBe(false);
  });
});

describe("policyDocument", () => {
  it("writes IAM's JSON form", () => {
    expect(policyDocument([{ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/k"] }])).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/k"] }],
    });
  });
});

describe("assumeRolePolicy", () => {
  it("trusts the service on behalf of this account only", () => {
    expect(assumeRolePolicy("states.amazonaws.com", "111122223333")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { Service: "states.amazonaws.com" },
          Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
        },
      ],
    });
  });
});

describe("catalog grants", () => {
  const table = "arn:aws:glue:eu-west-1:111122223333:table/etl/silver_sales";
  const otherTable = "arn:aws:glue:eu-west-1:111122223333:table/other/silver_sales";

  it("let only load create and update tables, and only in the pipeline's database", () => {
    const writers = FUNCTION_NAMES.filter((n) => isAllowed(permissions[n], "glue:UpdateTable", table));

    expect(writers).toEqual(["load"]);
    expect(isAllowed(permissions.load, "glue:CreateTable", GLUE_DATABASE)).toBe(true);
    expect(isAllowed(permissions.load, "glue:UpdateTable", otherTable)).toBe(false);
    expect(isAllowed(permissions.load, "glue:DeleteTable", table)).toBe(false);
    expect(isAllowed(permissions.load, "glue:DeleteDatabase", GLUE_DATABASE)).toBe(false);
  });

  it("let the steps that end a job (extract, clean, notify, fail) write the job history", () => {
    const row = `${LAKE}/job_history/year=2024/month=05/day=06/job-1.success.1.json`;

    expect(FUNCTION_NAMES.filter((n) => isAllowed(permissions[n], "s3:PutObject", row))).toEqual(["extract", "clean", "notify", "fail"]);
    expect(isAllowed(permissions.notify, "s3:PutObject", OBJECTS["lake/gold"])).toBe(false);
  });
});

describe("SPICE refresh grants", () => {
  const DATASETS = "arn:aws:quicksight:eu-west-1:111122223333:dataset/etl-prod-*";
  const spice = functionPermissions({
    rawBucketArn: RAW,
    lakeBucketArn: LAKE,
    jobsTableArn: TABLE,
    outputsTableArn: OUTPUTS,
    alertsTopicArn: TOPIC,
    alertsKeyArn: KEY,
    failureDeadLettersArn: DLQ,
    glueDatabaseArn: GLUE_DATABASE,
    quicksightDataSetsArn: DATASETS,
  });
  const dataset = "arn:aws:quicksight:eu-west-1:111122223333:dataset/etl-prod-gold_daily_sales_summary";

  it("let only load and the sweep (trailing refreshes) refresh the pipeline's own datasets, and only in SPICE mode", () => {
    expect(FUNCTION_NAMES.filter((n) => isAllowed(spice[n], "quicksight:CreateIngestion", dataset))).toEqual(["load", "sweep"]);
    expect(isAllowed(spice.sweep, "dynamodb:UpdateItem", OUTPUTS)).toBe(true);
    expect(isAllowed(permissions.sweep, "dynamodb:UpdateItem", OUTPUTS)).toBe(false);
    expect(isAllowed(spice.load, "quicksight:CreateIngestion", "arn:aws:quicksight:eu-west-1:111122223333:dataset/other-gold")).toBe(false);
    expect(isAllowed(spice.load, "dynamodb:UpdateItem", OUTPUTS)).toBe(true);
    expect(FUNCTION_NAMES.filter((n) => permissions[n].some((p) => p.actions.some((a) => a.startsWith("quicksight:"))))).toEqual([]);
    expect(isAllowed(permissions.load, "dynamodb:UpdateItem", OUTPUTS)).toBe(false);
  });
});
