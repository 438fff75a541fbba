import { readFileSync } from "node:fs";
import { join } from "node:path";
import { alertsTopic } from "./alerts.ts";
import { alertsKey } from "./alertsKey.ts";
import { failureDeadLetters } from "./deadLetters.ts";
import { functionEnvironment } from "./functionEnvironment.ts";
import { FUNCTION_SIZING } from "./functionSizing.ts";
import { FUNCTION_NAMES, HANDLERS, type FunctionName } from "./handlers.ts";
import { jobsTable } from "./jobsTable.ts";
import { outputsTable } from "./outputsTable.ts";
import { functionPermissions } from "./policies.ts";
import { keep, lakeBucket, rawBucket } from "./storage.ts";
import { glueDatabase } from "./catalog.ts";
import etlConfig from "../etl.config.ts";
import { MALLOC_ARENA_MAX } from "../core/engine/engineLimits.ts";

/**
 * DuckDB is a native addon that esbuild cannot bundle: SST installs it into the package instead,
 * for Linux x64 (`npm install --os=linux --cpu=x64`), pinned to the version the tests ran (a bare
 * name would take package.json's range). It pins `@duckdb/node-bindings`, whose platform
 * packages bring the glibc binary.
 */
const duckdbVersion: string = JSON.parse(
  readFileSync(join($cli.paths.root, "node_modules/@duckdb/node-api/package.json"), "utf8"),
).version;

/** In SPICE mode load refreshes the pipeline's QuickSight datasets (core/io/spiceRefresh.ts); otherwise no QuickSight grant or setting. */
const spice = etlConfig.quicksight?.mode === "spice";
const account = aws.getCallerIdentityOutput({}).accountId;
const region = aws.getRegionOutput({}).name;
const spicePrefix = `${$app.name}-${$app.stage}`;

const permissions = $resolve([
  rawBucket.arn, lakeBucket.arn, jobsTable.arn, outputsTable.arn, alertsTopic.arn, alertsKey.arn, failureDeadLetters.arn, glueDatabase.arn, account, region,
]).apply(([rawBucketArn, lakeBucketArn, jobsTableArn, outputsTableArn, alertsTopicArn, alertsKeyArn, failureDeadLettersArn, glueDatabaseArn, accountId, regionName]) =>
  functionPermissions({
    rawBucketArn, lakeBucketArn, jobsTableArn, outputsTableArn, alertsTopicArn, alertsKeyArn, failureDeadLettersArn, glueDatabaseArn,
    ...(spice ? { quicksightDataSetsArn: `arn:aws:quicksight:${regionName}:${accountId}:dataset/${spicePrefix}-*` } : {}),
  }),
);

const environment = {
  ...functionEnvironment({
    rawBucket: rawBucket.name,
    lakeBucket: lakeBucket.name,
    jobsTable: jobsTable.name,
    outputsTable: outputsTable.name,
    alertsTopicArn: alertsTopic.arn,
    glueDatabase: glueDatabase.name,
    stage: $interpolate`${$app.stage}`,
  }),
  // The ledger's TTL for finished jobs, validated with the other retentions at deploy time.
  ETL_JOB_TTL_DAYS: String(keep.jobTtlDays),
  // Few malloc arenas: DuckDB's memory outside its limit stays bounded (core/engine/engineLimits.ts).
  MALLOC_ARENA_MAX,
};

function pipelineFunction(name: FunctionName) {
  const { duckdb, ...sizing } = FUNCTION_SIZING[name];
  return new sst.aws.Function(name[0].toUpperCase() + name.slice(1), {
    handler: HANDLERS[name],
    runtime: "nodejs22.x",
    // The packaged DuckDB binary is the linux-x64 (glibc) build.
    architecture: "x86_64",
    ...sizing,
    environment: spice ? { ...environment, ETL_QUICKSIGHT_ACCOUNT_ID: account, ETL_QUICKSIGHT_DATASET_PREFIX: spicePrefix } : environment,
    // Explicit grants instead of `link`, which would give s3:* on whole buckets.
    permissions: permissions.apply((p) => p[name]),
    ...(duckdb ? { nodejs: { install: { "@duckdb/node-api": duckdbVersion } } } : {}),
  });
}

/** One Lambda function per step, plus the failure recorder and the sweep. */
export const pipelineFunctions = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, pipelineFunction(name)])) as Record<
  FunctionName,
  sst.aws.Function
>;
