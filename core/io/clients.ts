import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { GlueClient } from "@aws-sdk/client-glue";
import { QuickSightClient } from "@aws-sdk/client-quicksight";

/**
 * The SDK clients every step shares, created once per container. Endpoints come from the
 * standard `AWS_ENDPOINT_URL_*` variables, so the local runtime changes configuration, not code;
 * emulators serve S3 by path, hence path-style only when an endpoint is overridden.
 */
export type Clients = { s3: S3Client; dynamo: DynamoDBDocumentClient; sns: SNSClient; glue: GlueClient; quicksight: QuickSightClient };

type Env = Record<string, string | undefined>;

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

/** Builds the clients from the environment. */
export function createClients(env: Env = process.env): Clients {
  const forcePathStyle = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return {
    s3: new S3Client({ forcePathStyle, ...clientConfig(env, "S3") }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(env, "DYNAMODB")), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    }),
    sns: new SNSClient(clientConfig(env, "SNS")),
    glue: new GlueClient(clientConfig(env, "GLUE")),
    quicksight: new QuickSightClient(clientConfig(env, "QUICKSIGHT")),
  };
}
