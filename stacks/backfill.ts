import { LAKE_PREFIXES } from "../core/lake/layout.ts";
import { backfillDefinition } from "../workflows/backfill.ts";
import { pipeline } from "./pipeline.ts";
import { assumeRolePolicy, backfillPermissions, policyDocument } from "./policies.ts";
import { lakeBucket, rawBucket } from "./storage.ts";

const identity = aws.getCallerIdentityOutput();
const region = aws.getRegionOutput().name;

/** The backfill's role; its policy is attached below, once the state machine's own ARN exists. */
export const backfillRole = new aws.iam.Role("BackfillRole", {
  assumeRolePolicy: identity.accountId.apply((id) => JSON.stringify(assumeRolePolicy("states.amazonaws.com", id))),
});

/**
 * `etl backfill <prefix>` on AWS: `aws stepfunctions start-execution --state-machine-arn
 * <backfillStateMachine> --input '{"prefix":"incoming/<prefix>"}'`. A Distributed Map over the
 * prefix's keys, each a child execution of the pipeline (workflows/backfill.ts); a run with
 * failed items ends FAILED and is redriven from the console or with `redrive-execution`.
 */
export const backfill = new aws.sfn.StateMachine("Backfill", {
  type: "STANDARD",
  roleArn: backfillRole.arn,
  definition: $resolve([rawBucket.name, lakeBucket.name, pipeline.arn]).apply(([raw, lake, pipelineArn]) =>
    JSON.stringify(backfillDefinition({ rawBucket: raw, pipelineArn, results: { bucket: lake, prefix: LAKE_PREFIXES.backfillResults } })),
  ),
});

/** A separate resource because the policy names the state machine (its map runs), which names the role. */
export const backfillPolicy = new aws.iam.RolePolicy("BackfillPolicy", {
  role: backfillRole.id,
  policy: $resolve([region, identity.accountId, rawBucket.arn, lakeBucket.arn, pipeline.arn, backfill.arn]).apply(
    ([r, accountId, rawBucketArn, lakeBucketArn, pipelineArn, backfillArn]) =>
      JSON.stringify(policyDocument(backfillPermissions({ region: r, accountId, rawBucketArn, lakeBucketArn, pipelineArn, backfillArn }))),
  ),
});
