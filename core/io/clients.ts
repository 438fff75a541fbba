import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { GlueClient } from "@aws-sdk/client-glue";

/**
 * The SDK clients every step shares, created once per container. Endpoints come from the
 * standard `AWS_ENDPOINT_URL_*` variables, so the local runtime changes configuration, not code;
 * emulators serve S3 by path, hence path-style only when an endpoint is overridden.
 */
export type Clients = { s3: S3Client; dynamo: DynamoDBDocumentClient; sns: SNSClient; glue: GlueClient };

/** Builds the clients from the environment. */
export function createClients(env: Record<string, string | undefined> = process.env): Clients {
  const forcePathStyle = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return {
    s3: new S3Client({ forcePathStyle }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    }),
    sns: new SNSClient({}),
    glue: new GlueClient({}),
  };
}
