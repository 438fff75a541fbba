import type { FunctionName } from "./handlers.ts";
import { JOBS_BY_STATUS_INDEX } from "../core/job/jobIndexes.ts";
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

/** A resource-based policy (a key's, a topic's, a queue's): each statement names who it lets in. */
export type ResourcePolicyDocument = {
  Version: "2012-10-17";
  Statement: {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal: { Service: string } | { AWS: string } | "*";
    Action: string[];
    Resource: string;
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
  }[];
};

/**
 * The pipeline owns its catalog tables (core/io/glueCatalog.ts): load reads and writes the
 * tables of its one database, never the database itself or any other. Glue authorizes table
 * calls against the catalog, the database and the table.
 */
function catalogTables(databaseArn: string): Permission {
  const [prefix, name] = databaseArn.split(":database/");
  return {
    actions: ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
    resources: [`${prefix}:catalog`, databaseArn, `${prefix}:table/${name}/*`],
  };
}

/** The ARNs the functions' grants are scoped to. */
export type ResourceArns = {
  rawBucketArn: string;
  lakeBucketArn: string;
  jobsTableArn: string;
  /** The outputs guard: one item per shared output (core/io/outputTable.ts). */
  outputsTableArn: string;
  alertsTopicArn: string;
  /** The customer-managed key the alerts topic is encrypted with. */
  alertsKeyArn: string;
  /** Where Lambda puts a failure event the fail function could not process (its on-failure destination). */
  failureDeadLettersArn: string;
  /** The Glue database the pipeline keeps its tables in. */
  glueDatabaseArn: string;
  /** With `quicksight.mode: "spice"` only: the pipeline's QuickSight datasets (`arn:…:dataset/<app>-<stage>-*`), which load refreshes. */
  quicksightDataSetsArn?: string;
};

/**
 * HeadObject and CopyObject's read side are authorized as GetObject, or GetObjectVersion when the
 * request names a version; CopyObject's write side as PutObject; a delete naming a version as
 * DeleteObjectVersion.
 */
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
 * only extract creates a job, with a conditional put that detects a duplicate delivery (and
 * then reads it). test/integration/iam.test.ts takes each grant away in turn and shows a run fail.
 *
 * The raw bucket is versioned: a delivery names its object's version, and extract and archive
 * read (and archive deletes) that version, which S3 authorizes as the `…Version` actions. The
 * plain actions stay for what names no version: the key's current object, which archive checks
 * against the job's, and an event without a version id (versioning suspended).
 */
export function functionPermissions(arns: ResourceArns): Record<FunctionName, Permission[]> {
  const { rawBucketArn: raw, lakeBucketArn: lake, jobsTableArn: table, alertsTopicArn: topic, alertsKeyArn: key, outputsTableArn: outputs } = arns;
  const { incoming, archived } = RAW_PREFIXES;
  const { bronze, silver, quarantine, staging, gold, sourceManifests, jobManifests, jobHistory, schemas } = LAKE_PREFIXES;
  // The steps only move their job forward; notify and fail also read it to write the message.
  const jobUpdate: Permission = { actions: ["dynamodb:UpdateItem"], resources: [table] };
  const jobRead: Permission = { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [table] };
  // SNS encrypts each message with a data key of the topic's key, asked for as the publisher.
  const alert: Permission[] = [
    { actions: ["sns:Publish"], resources: [topic] },
    { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [key] },
  ];
  // The outputs guard (core/io/outputTable.ts): reads are consistent gets, writes conditional puts and updates.
  const guard = (actions: string[]): Permission => ({ actions: actions.map((a) => `dynamodb:${a}`), resources: [outputs] });
  // A job's end is one row of the catalog's job history (core/io/catalogJobHistory.ts).
  const history = objects(["s3:PutObject"], lake, [jobHistory]);
  return {
    extract: [
      objects(["s3:GetObject", "s3:GetObjectVersion"], raw, [incoming]),
      listing(raw),
      objects(["s3:PutObject"], lake, [bronze]),
      { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], resources: [table] },
      // An upload older than the key's committed version ends SUPERSEDED before any work.
      guard(["GetItem"]),
      // A duplicate delivery ends SKIPPED and an older upload SUPERSEDED: each a history row.
      history,
      // A replay (etl replay) reads its version's bronze copy, or archived/<key> when bronze is gone.
      objects(["s3:GetObject"], lake, [bronze]),
      objects(["s3:GetObject"], raw, [archived]),
    ],
    clean: [
      // Staged objects are read by the copies that commit them, the replaced versions' manifests to retire them,
      // an earlier attempt's commit intent (jobs/) by a re-run, and the dataset's schema versions (_schemas/).
      objects(["s3:GetObject"], lake, [bronze, staging, silver, quarantine, sourceManifests, jobManifests, schemas]),
      // A new schema version is created with a conditional put (If-None-Match).
      objects(["s3:PutObject"], lake, [staging, silver, quarantine, sourceManifests, jobManifests, schemas]),
      // Committing retires the replaced version's objects and manifest, and clears this job's staging.
      objects(["s3:DeleteObject"], lake, [staging, silver, quarantine, sourceManifests]),
      listing(lake),
      // A job superseded at its commit ends here: its record is read back for its history row.
      jobRead,
      history,
      // The compaction records of the partitions a commit changed are read together (core/compact/compactCrowded.ts).
      guard(["GetItem", "BatchGetItem", "PutItem", "UpdateItem"]),
    ],
    aggregate: [
      objects(["s3:GetObject"], lake, [silver, jobManifests]),
      objects(["s3:PutObject"], lake, [staging, jobManifests]),
      listing(lake),
      jobUpdate,
      guard(["BatchGetItem"]),
    ],
    load: [
      // Gold is read back (HeadObject) to check which version a concurrent publisher left; the
      // dataset's stored schema documents type its silver table (core/io/catalogSync.ts).
      objects(["s3:GetObject"], lake, [staging, gold, jobManifests, schemas]),
      objects(["s3:PutObject"], lake, [gold, jobManifests]),
      catalogTables(arns.glueDatabaseArn),
      // Gold partitions that lost their last rows, and staged copies a newer version replaced.
      objects(["s3:DeleteObject"], lake, [gold, staging]),
      listing(lake),
      // The columns the job wrote, to keep the silver table current.
      jobRead,
      // SPICE refreshes are claimed (conditional UpdateItem on spice#<dataset>) before CreateIngestion.
      guard(["GetItem", "PutItem", ...(arns.quicksightDataSetsArn ? ["UpdateItem"] : [])]),
      ...(arns.quicksightDataSetsArn ? [{ actions: ["quicksight:CreateIngestion"], resources: [arns.quicksightDataSetsArn] }] : []),
    ],
    archive: [
      // The archived copy comes from the job's bronze copy: exactly its version, whatever incoming/ holds now.
      objects(["s3:GetObject"], lake, [bronze]),
      // The key's current object, when a delivery names no version (versioning suspended).
      objects(["s3:GetObject"], raw, [incoming, archived]),
      objects(["s3:PutObject"], raw, [archived]),
      // Removing the upload names its version: a newer upload of the key is never removed or hidden.
      objects(["s3:DeleteObject", "s3:DeleteObjectVersion"], raw, [incoming]),
      listing(raw),
      jobUpdate,
      guard(["GetItem", "PutItem"]),
      // A retract's erasure (etl retract): every version of archived/ and incoming/<key>, the key's bronze copies and staging.
      objects(["s3:DeleteObject", "s3:DeleteObjectVersion"], raw, [archived]),
      { actions: ["s3:ListBucketVersions"], resources: [raw] },
      objects(["s3:DeleteObject"], lake, [bronze, staging]),
      listing(lake),
    ],
    notify: [jobRead, ...alert, guard(["GetItem"]), history],
    fail: [
      jobRead,
      ...alert,
      history,
      // A file that can never pass leaves nothing staged.
      objects(["s3:DeleteObject"], lake, [staging]),
      listing(lake),
      // Lambda sends an event the function could not process to its on-failure destination, as the function's role.
      { actions: ["sqs:SendMessage"], resources: [arns.failureDeadLettersArn] },
    ],
    // Finds jobs stuck RUNNING by the status index, marks them FAILED and alerts.
    sweep: [
      { actions: ["dynamodb:Query"], resources: [`${table}/index/${JOBS_BY_STATUS_INDEX}`] },
      { actions: ["dynamodb:UpdateItem"], resources: [table] },
      ...alert,
      // In SPICE mode: the refreshes publishes left pending, and the job history's (core/catalog/spiceRefresh.ts).
      ...(arns.quicksightDataSetsArn ? [guard(["UpdateItem"]), { actions: ["quicksight:CreateIngestion"], resources: [arns.quicksightDataSetsArn] }] : []),
    ],
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

/** The ARNs the backfill's role is scoped to. */
export type BackfillArns = {
  region: string;
  accountId: string;
  rawBucketArn: string;
  lakeBucketArn: string;
  /** The pipeline each item runs as a child execution. */
  pipelineArn: string;
  /** The backfill state machine itself: a Distributed Map starts its child workflows as executions of it. */
  backfillArn: string;
};

/**
 * The backfill state machine's role (stacks/backfill.ts, workflows/backfill.ts): list the raw
 * bucket (the ItemReader), head each listed upload to pin its version, start the pipeline and
 * follow it (`startExecution.sync` polls DescribeExecution, stops the child when the item is
 * aborted, and learns of its end through a managed EventBridge rule), run and redrive its own
 * map runs, and write the map's results. It reads no object's bytes and touches no table.
 */
export function backfillPermissions(arns: BackfillArns): Permission[] {
  const { region, accountId, rawBucketArn: raw, lakeBucketArn: lake, pipelineArn, backfillArn } = arns;
  const executions = (machineArn: string) => `${machineArn.replace(":stateMachine:", ":execution:")}:*`;
  // A map run's child workflows are executions of the backfill machine under its map run's label.
  const childWorkflows = `${backfillArn.replace(":stateMachine:", ":execution:")}/*`;
  const mapRuns = `${backfillArn.replace(":stateMachine:", ":mapRun:")}/*`;
  return [
    listing(raw),
    // HeadObject of the current version (no version id): authorized as GetObject.
    objects(["s3:GetObject"], raw, [RAW_PREFIXES.incoming]),
    { actions: ["states:StartExecution"], resources: [pipelineArn, backfillArn] },
    { actions: ["states:DescribeExecution", "states:StopExecution"], resources: [executions(pipelineArn), executions(backfillArn), childWorkflows] },
    { actions: ["states:DescribeMapRun", "states:UpdateMapRun"], resources: [mapRuns] },
    { actions: ["states:RedriveExecution"], resources: [executions(backfillArn), childWorkflows] },
    {
      actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      resources: [`arn:aws:events:${region}:${accountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`],
    },
    // The ResultWriter's multipart upload of the results.
    objects(["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"], lake, [LAKE_PREFIXES.backfillResults]),
  ];
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

/**
 * The alerts key's policy. The account's IAM policies decide who else uses it (the functions'
 * grants above); CloudWatch alarms, which publish to the encrypted topic as the service, may
 * create data keys with it on behalf of this account only.
 */
export function alertsKeyPolicy(accountId: string): ResourcePolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ["kms:*"],
        Resource: "*",
      },
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** The alerts topic's policy: this account's CloudWatch alarms may publish; nobody may without TLS. */
export function alertsTopicPolicy(topicArn: string, accountId: string): ResourcePolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["sns:Publish"],
        Resource: topicArn,
        Condition: {
          ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:*:${accountId}:alarm:*` },
          StringEquals: { "aws:SourceAccount": accountId },
        },
      },
      {
        Sid: "DenyWithoutTls",
        Effect: "Deny",
        Principal: "*",
        Action: ["sns:Publish"],
        Resource: topicArn,
        Condition: { Bool: { "aws:SecureTransport": false } },
      },
    ],
  };
}

/** A dead-letter queue's policy: EventBridge may send to it for this one rule's undeliverable events. */
export function deadLetterQueuePolicy(queueArn: string, ruleArn: string): ResourcePolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EventBridgeDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["sqs:SendMessage"],
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
      },
    ],
  };
}
