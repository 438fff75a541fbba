import type { FunctionName } from "./handlers.ts";
import { LAKE_PREFIXES, RAW_PREFIXES } from "../core/lake/layout.ts";

/** One grant, in the shape `sst.aws.Function`'s `permissions` takes. */
export type Permission = { actions: string[]; resources: string[] };

/** An IAM policy document, as the roles created outside SST's components take it. */
export type PolicyDocument = {
  Version: "2012-10-17";
  Statement: { Effect: "Allow"; Action: string[]; Resource: string[] }[];
};

/** A role's trust policy: who may assume it. */
export type TrustPolicyDocument = {
  Version: "2012-10-17";
  Statement: { Effect: "Allow"; Action: "sts:AssumeRole"; Principal: { Service: string }; Condition: Record<string, Record<string, string>> }[];
};

/** The ARNs the functions' grants are scoped to. */
export type ResourceArns = { rawBucketArn: string; lakeBucketArn: string; jobsTableArn: string; alertsTopicArn: string };

/** HeadObject and CopyObject's read side are authorized as GetObject, CopyObject's write side as PutObject. */
function objects(actions: string[], bucketArn: string, prefixes: string[]): Permission {
  return { actions, resources: prefixes.map((prefix) => `${bucketArn}/${prefix}*`) };
}

/**
 * Without ListBucket, S3 answers 403 instead of 404 for a missing key, and the steps rely on
 * 404 (`head`, `getJson`) to tell "not written yet" or "already moved" from a failure: every
 * step that reads a bucket gets it. It reveals key names only, never contents.
 */
function listing(bucketArn: string): Permission {
  return { actions: ["s3:ListBucket"], resources: [bucketArn] };
}

/**
 * What each function may do, derived from the calls it makes (functions/*.ts): each step reads
 * and writes only its own layers' prefixes. Every step records itself in the job as it starts;
 * only extract creates a job, with a conditional put that detects a duplicate delivery.
 */
export function functionPermissions(arns: ResourceArns): Record<FunctionName, Permission[]> {
  const { rawBucketArn: raw, lakeBucketArn: lake, jobsTableArn: table, alertsTopicArn: topic } = arns;
  const { incoming, archived } = RAW_PREFIXES;
  const { bronze, silver, quarantine, staging, gold, sourceManifests, jobManifests, schemas } = LAKE_PREFIXES;
  const jobUpdate: Permission = { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [table] };
  const alert: Permission = { actions: ["sns:Publish"], resources: [topic] };
  return {
    extract: [
      objects(["s3:GetObject"], raw, [incoming]),
      listing(raw),
      objects(["s3:PutObject"], lake, [bronze]),
      { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], resources: [table] },
    ],
    clean: [
      objects(["s3:GetObject"], lake, [bronze, sourceManifests, schemas]),
      objects(["s3:PutObject"], lake, [silver, quarantine, sourceManifests, jobManifests, schemas]),
      // An upload under a key already processed retires the rows the earlier one wrote.
      objects(["s3:DeleteObject"], lake, [silver, quarantine]),
      listing(lake),
      jobUpdate,
    ],
    aggregate: [
      objects(["s3:GetObject"], lake, [silver, jobManifests]),
      objects(["s3:PutObject"], lake, [staging, jobManifests]),
      listing(lake),
      jobUpdate,
    ],
    load: [
      objects(["s3:GetObject"], lake, [staging, jobManifests]),
      objects(["s3:PutObject"], lake, [gold, jobManifests]),
      // Gold partitions that lost their last rows, and the staged copies once published.
      objects(["s3:DeleteObject"], lake, [gold, staging]),
      listing(lake),
      jobUpdate,
    ],
    archive: [
      objects(["s3:GetObject"], raw, [incoming, archived]),
      objects(["s3:PutObject"], raw, [archived]),
      objects(["s3:DeleteObject"], raw, [incoming]),
      listing(raw),
      jobUpdate,
    ],
    notify: [jobUpdate, alert],
    fail: [jobUpdate, alert],
  };
}

/** The state machine's own grant: invoking the pipeline's functions and nothing else. */
export function stateMachinePermissions(functionArns: readonly string[]): Permission[] {
  return [{ actions: ["lambda:InvokeFunction"], resources: [...functionArns] }];
}

/** The upload rule's grant: starting executions of this one state machine. */
export function startExecutionPermissions(stateMachineArn: string): Permission[] {
  return [{ actions: ["states:StartExecution"], resources: [stateMachineArn] }];
}

/** A policy document granting the permissions. */
export function policyDocument(permissions: readonly Permission[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: permissions.map((p) => ({ Effect: "Allow", Action: p.actions, Resource: p.resources })),
  };
}

/**
 * The trust policy of a role a service assumes. `aws:SourceAccount` keeps another account's
 * state machine or rule from using this role through the same service (the confused deputy).
 */
export function assumeRolePolicy(service: string, accountId: string): TrustPolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { Service: service },
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}
