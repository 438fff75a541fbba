import type { Emulators } from "./emulators.ts";

/** The resource names the local runtime creates; on AWS, stacks/ passes the real ones. */
export const LOCAL_NAMES = {
  rawBucket: "etl-raw",
  lakeBucket: "etl-lake",
  jobsTable: "etl-jobs",
  outputsTable: "etl-outputs",
  alertsTopic: "etl-alerts",
  alertsInbox: "etl-alerts-inbox",
  region: "us-east-1",
  account: "000000000000",
  stateMachine: "etl-pipeline",
  glueDatabase: "etl",
} as const;

/** The alerts topic's ARN as the emulator names it. */
export const LOCAL_TOPIC_ARN = `arn:aws:sns:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:${LOCAL_NAMES.alertsTopic}`;

/**
 * The environment the handlers run with locally: the same variables as in Lambda, with only the
 * endpoints pointing at the emulators and dummy credentials (the emulators check none). `stage`
 * is the deployed stage the functions act as (`ETL_STAGE`, which stacks/ sets); none locally.
 */
export function localEnv(emulators: Emulators, scratchDir: string, stage?: string): Record<string, string> {
  return {
    ...(stage ? { ETL_STAGE: stage } : {}),
    AWS_REGION: LOCAL_NAMES.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_S3: emulators.s3,
    AWS_ENDPOINT_URL_SNS: emulators.sns,
    AWS_ENDPOINT_URL_SQS: emulators.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodb,
    AWS_ENDPOINT_URL_GLUE: emulators.glue,
    ETL_RAW_BUCKET: LOCAL_NAMES.rawBucket,
    ETL_LAKE_BUCKET: LOCAL_NAMES.lakeBucket,
    ETL_JOBS_TABLE: LOCAL_NAMES.jobsTable,
    ETL_OUTPUTS_TABLE: LOCAL_NAMES.outputsTable,
    ETL_ALERTS_TOPIC_ARN: LOCAL_TOPIC_ARN,
    ETL_GLUE_DATABASE: LOCAL_NAMES.glueDatabase,
    ETL_SCRATCH_DIR: scratchDir,
  };
}
