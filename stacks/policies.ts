import type { FunctionName } from "./handlers.ts";
import { LAKE_PREFIXES, RAW_PREFIXES } from "./lakePrefixes.ts";

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

const objects = (bucketArn: string, prefix: string) => `${bucketArn}/${prefix}*`;

/** Reading a key pinned to the version id the upload event carries (DESIGN.md decision 8) needs GetObjectVersion. */
const READ_UPLOAD = ["s3:GetObject", "s3:GetObjectVersion"];
const READ = ["s3:GetObject"];
/** A failed multipart upload is aborted by the writer, under the same keys it may put. */
const WRITE = ["s3:PutObject", "s3:AbortMultipartUpload"];
const DELETE = ["s3:DeleteObject"];
/**
 * Without ListBucket, S3 answers 403 instead of 404 for a missing key, so a step could not
 * tell "not there yet" (or "already moved", on a re-run) from a denial: every step that reads
 * a bucket gets it. It reveals key names only, never contents.
 */
const LIST = ["s3:ListBucket"];
/** Every step records itself in its job as it starts (DESIGN.md decision 4). */
const JOB_UPDATE = ["dynamodb:GetItem", "dynamodb:UpdateItem"];
/** Extract creates the job with a conditional put: that is how a duplicate delivery is detected. */
const JOB_CREATE = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];

/** What each function may do: the steps only touch their own layers' prefixes. */
export function functionPermissions(arns: ResourceArns): Record<FunctionName, Permission[]> {
  const { rawBucketArn: raw, lakeBucketArn: lake, jobsTableArn: table, alertsTopicArn: topic } = arns;
  const job = (actions: string[]): Permission => ({ actions, resources: [table] });
  const alert: Permission = { actions: ["sns:Publish"], resources: [topic] };
  return {
    extract: [
      { actions: READ_UPLOAD, resources: [objects(raw, RAW_PREFIXES.incoming)] },
      { actions: LIST, resources: [raw] },
      { actions: WRITE, resources: [objects(lake, LAKE_PREFIXES.bronze)] },
      job(JOB_CREATE),
    ],
    clean: [
      // Silver is read too: a partition is rewritten whole, keeping other sources' rows.
      { actions: READ, resources: [objects(lake, LAKE_PREFIXES.bronze), objects(lake, LAKE_PREFIXES.silver)] },
      { actions: [...WRITE, ...DELETE], resources: [objects(lake, LAKE_PREFIXES.silver), objects(lake, LAKE_PREFIXES.quarantine)] },
      { actions: LIST, resources: [lake] },
      job(JOB_UPDATE),
    ],
    aggregate: [
      { actions: READ, resources: [objects(lake, LAKE_PREFIXES.silver)] },
      { actions: WRITE, resources: [objects(lake, LAKE_PREFIXES.goldStaging)] },
      { actions: LIST, resources: [lake] },
      job(JOB_UPDATE),
    ],
    load: [
      // A server-side copy reads the source and writes the destination under the caller's grants.
      { actions: READ, resources: [objects(lake, LAKE_PREFIXES.goldStaging), objects(lake, LAKE_PREFIXES.gold)] },
      { actions: WRITE, resources: [objects(lake, LAKE_PREFIXES.gold)] },
      { actions: LIST, resources: [lake] },
      job(JOB_UPDATE),
    ],
    archive: [
      { actions: [...READ_UPLOAD, ...DELETE], resources: [objects(raw, RAW_PREFIXES.incoming)] },
      { actions: WRITE, resources: [objects(raw, RAW_PREFIXES.archived)] },
      { actions: LIST, resources: [raw] },
      job(JOB_UPDATE),
    ],
    notify: [job(JOB_UPDATE), alert],
    fail: [job(JOB_UPDATE), alert],
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
