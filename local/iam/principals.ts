import type { FunctionName } from "../../stacks/handlers.ts";
import { backfillPermissions, functionPermissions, policyDocument, type Permission } from "../../stacks/policies.ts";
import { LOCAL_NAMES, LOCAL_TOPIC_ARN } from "../localEnv.ts";
import type { Policy } from "./evaluate.ts";

/** Who signed a request, as IAM names an assumed Lambda role, and the policies attached to it. */
export type Caller = { principal: string; policies: Policy[] };

/** The caller behind an access key id; undefined for the local user, who may do anything. */
export type Principals = (accessKeyId: string | undefined) => Caller | undefined;

const KEY_PREFIX = "etl-";

/** The access key id a function signs its calls with locally (BRIEF decision 2). */
export function functionAccessKey(fn: FunctionName): string {
  return `${KEY_PREFIX}${fn}`;
}

/** The local ARNs the policies are scoped to, named as the emulators name the resources. */
export function localResourceArns() {
  const { region, account } = LOCAL_NAMES;
  return {
    rawBucketArn: `arn:aws:s3:::${LOCAL_NAMES.rawBucket}`,
    lakeBucketArn: `arn:aws:s3:::${LOCAL_NAMES.lakeBucket}`,
    jobsTableArn: `arn:aws:dynamodb:${region}:${account}:table/${LOCAL_NAMES.jobsTable}`,
    outputsTableArn: `arn:aws:dynamodb:${region}:${account}:table/${LOCAL_NAMES.outputsTable}`,
    alertsTopicArn: LOCAL_TOPIC_ARN,
    // Used by AWS on the functions' behalf (SNS encryption, Lambda's on-failure destination), never called locally.
    alertsKeyArn: `arn:aws:kms:${region}:${account}:key/etl-alerts`,
    failureDeadLettersArn: `arn:aws:sqs:${region}:${account}:etl-failure-dead-letters`,
    glueDatabaseArn: `arn:aws:glue:${region}:${account}:database/${LOCAL_NAMES.glueDatabase}`,
  };
}

/** The access key the local backfill signs its own calls with (listing, pinning versions): the backfill role's. */
export const BACKFILL_ACCESS_KEY = `${KEY_PREFIX}backfill`;

/** The backfill state machine's grants over the local ARNs (stacks/backfill.ts attaches the same on AWS). */
function localBackfillPermissions(): Permission[] {
  const { region, account } = LOCAL_NAMES;
  const arns = localResourceArns();
  const machine = (name: string) => `arn:aws:states:${region}:${account}:stateMachine:${name}`;
  return backfillPermissions({
    region,
    accountId: account,
    rawBucketArn: arns.rawBucketArn,
    lakeBucketArn: arns.lakeBucketArn,
    pipelineArn: machine(LOCAL_NAMES.stateMachine),
    backfillArn: machine(`${LOCAL_NAMES.stateMachine}-backfill`),
  });
}

/**
 * The functions' callers from their grants: by default `functionPermissions` over the local
 * ARNs, the very policies the deployment attaches to the Lambda roles.
 */
export function functionPrincipals(
  permissions: Record<FunctionName, Permission[]> = functionPermissions(localResourceArns()),
): Principals {
  const callers = new Map<string, Caller>(
    (Object.entries(permissions) as [FunctionName, Permission[]][]).map(([fn, grants]) => [
      functionAccessKey(fn),
      {
        principal: `arn:aws:sts::${LOCAL_NAMES.account}:assumed-role/etl-${fn}-role/etl-${fn}`,
        policies: [policyDocument(grants)],
      },
    ]),
  );
  callers.set(BACKFILL_ACCESS_KEY, {
    principal: `arn:aws:sts::${LOCAL_NAMES.account}:assumed-role/etl-backfill-role/backfill`,
    policies: [policyDocument(localBackfillPermissions())],
  });
  return (accessKeyId) => {
    if (!accessKeyId?.startsWith(KEY_PREFIX)) return undefined;
    // A key that looks like a function's but names none is nobody: it may do nothing.
    return callers.get(accessKeyId) ?? { principal: `arn:aws:iam::${LOCAL_NAMES.account}:user/${accessKeyId}`, policies: [] };
  };
}
