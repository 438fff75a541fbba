import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { GlueClient } from "@aws-sdk/client-glue";
import { QuickSightClient } from "@aws-sdk/client-quicksight";

/**
 * The SDK clients of the steps, one factory per client: a function's bundle carries only the
 * clients it builds (the SDK packages declare no side effects, so esbuild drops the others).
 * Endpoints come from the standard `AWS_ENDPOINT_URL_*` variables, so the local runtime changes
 * configuration, not code; emulators serve S3 by path, hence path-style only when an endpoint is
 * overridden.
 */
export type Env = Record<string, string | undefined>;

/**
 * Region, endpoint and credentials from `env` rather than from the SDK's own look-up in
 * `process.env`, so that each function can be given its own (in Lambda they are the same
 * variables the SDK reads; the local runtime gives each function its own access key).
 */
function clientConfig(env: Env, service: "S3" | "DYNAMODB" | "SNS" | "GLUE" | "QUICKSIGHT") {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
    : undefined;
  return {
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

export function s3Client(env: Env = process.env): S3Client {
  return new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL), ...clientConfig(env, "S3") });
}

export function dynamoClient(env: Env = process.env): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(env, "DYNAMODB")), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

export function snsClient(env: Env = process.env): SNSClient {
  return new SNSClient(clientConfig(env, "SNS"));
}

export function glueClient(env: Env = process.env): GlueClient {
  return new GlueClient(clientConfig(env, "GLUE"));
}

export function quicksightClient(env: Env = process.env): QuickSightClient {
  return new QuickSightClient(clientConfig(env, "QUICKSIGHT"));
}
