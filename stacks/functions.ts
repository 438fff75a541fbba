import { readFileSync } from "node:fs";
import { join } from "node:path";
import { alertsTopic } from "./alerts.ts";
import { functionEnvironment } from "./functionEnvironment.ts";
import { FUNCTION_NAMES, HANDLERS, type FunctionName } from "./handlers.ts";
import { jobsTable } from "./jobsTable.ts";
import { functionPermissions } from "./policies.ts";
import { lakeBucket, rawBucket } from "./storage.ts";

type Sizing = {
  memory: `${number} MB`;
  timeout: `${number} minutes` | `${number} seconds`;
  storage?: `${number} MB`;
  duckdb?: true;
};

/**
 * DuckDB steps get 3008 MB: about two vCPUs, DuckDB's measured 1.4-1.8 GB peak on 5M rows with
 * two threads (DESIGN.md decision 1), and the largest size a new account may use without a
 * quota raise. They get Lambda's full 15 minutes and 10 GB of /tmp, where files are downloaded
 * and DuckDB spills. Extract only sniffs a sample and copies bytes: 1024 MB. The other steps
 * move a few objects or items: 256-512 MB. Fail stays under the 60 s its Task allows.
 */
const SIZING: Record<FunctionName, Sizing> = {
  extract: { memory: "1024 MB", timeout: "10 minutes", storage: "10240 MB", duckdb: true },
  clean: { memory: "3008 MB", timeout: "15 minutes", storage: "10240 MB", duckdb: true },
  aggregate: { memory: "3008 MB", timeout: "15 minutes", storage: "10240 MB", duckdb: true },
  load: { memory: "512 MB", timeout: "5 minutes" },
  archive: { memory: "256 MB", timeout: "5 minutes" },
  notify: { memory: "256 MB", timeout: "30 seconds" },
  fail: { memory: "256 MB", timeout: "30 seconds" },
};

/**
 * DuckDB is a native addon esbuild cannot bundle: SST installs it into the package instead, for
 * Linux x64, pinned to the version the tests ran (a bare name would take package.json's range).
 * `@duckdb/node-api` pins `@duckdb/node-bindings`, whose platform packages bring the binary.
 */
const duckdbVersion: string = JSON.parse(
  readFileSync(join($cli.paths.root, "node_modules/@duckdb/node-api/package.json"), "utf8"),
).version;

const permissions = $resolve([rawBucket.arn, lakeBucket.arn, jobsTable.arn, alertsTopic.arn]).apply(
  ([rawBucketArn, lakeBucketArn, jobsTableArn, alertsTopicArn]) =>
    functionPermissions({ rawBucketArn, lakeBucketArn, jobsTableArn, alertsTopicArn }),
);

const environment = functionEnvironment({
  rawBucket: rawBucket.name,
  lakeBucket: lakeBucket.name,
  jobsTable: jobsTable.name,
  alertsTopicArn: alertsTopic.arn,
});

function pipelineFunction(name: FunctionName) {
  const { duckdb, ...sizing } = SIZING[name];
  return new sst.aws.Function(name[0].toUpperCase() + name.slice(1), {
    handler: HANDLERS[name],
    runtime: "nodejs22.x",
    // The bundled DuckDB binary is the linux-x64 (glibc) build.
    architecure: "x86_64",
    ...sizing,
    environment,
    // Explicit grants instead of `link`, which would give s3:* on whole buckets.
    permissions: permissions.apply((p) => p[name]),
    ...(duckdb ? { nodejs: { install: { "@duckdb/node-api": duckdbVersion } } } : {}),
  });
}

/** One Lambda function per step, plus the failure recorder. */
export const pipelineFunctions = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, pipelineFunction(name)])) as Record<
  FunctionName,
  sst.aws.Function
>;
