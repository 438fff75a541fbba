import { SFNClient } from "@aws-sdk/client-sfn";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoClient, s3Client } from "../../core/io/clients.ts";
import { ObjectStore } from "../../core/io/objectStore.ts";
import { StageError } from "./stageError.ts";
import { resolveStage, type StageOptions } from "./stageOutputs.ts";

/** What a command works with on a deployed stage: the caller's SDK clients and the stage's names. */
export type StageServices = {
  stage: string;
  region: string;
  s3: S3Client;
  store: ObjectStore;
  dynamo: DynamoDBDocumentClient;
  sfn: SFNClient;
  /** A resource name, or a StageError saying how to give it. */
  need: ReturnType<typeof resolveStage>["need"];
  close: () => void;
};

/**
 * Builds a stage's services with the caller's credentials (the SDK's default provider chain:
 * environment, profile, SSO, instance role) and the standard endpoint variables
 * (`AWS_ENDPOINT_URL[_<SERVICE>]`), through the same client factory the functions use. Fails
 * early, in one line, when there are no credentials or no region.
 */
export async function openStage(opts: StageOptions & { stage: string }, env: Record<string, string | undefined> = process.env): Promise<StageServices> {
  const { names, need, unusableOutputs } = resolveStage(opts, env);
  const region = names.region;
  if (!region) throw new StageError(`${unusableOutputs ?? `stage ${names.stage}: no region`}; or give --region (or AWS_REGION)`);
  const clientEnv = { ...env, AWS_REGION: region };
  const clients = { s3: s3Client(clientEnv), dynamo: dynamoClient(clientEnv) };
  const sfn = new SFNClient({ region, ...(env.AWS_ENDPOINT_URL_SFN ?? env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL_SFN ?? env.AWS_ENDPOINT_URL } : {}) });
  const close = () => {
    clients.s3.destroy();
    clients.dynamo.destroy();
    sfn.destroy();
  };
  try {
    await clients.s3.config.credentials();
  } catch (error) {
    close();
    throw new StageError(
      `stage ${names.stage}: no AWS credentials (${(error as Error).message.split("\n")[0]}): sign in (aws sso login, aws configure, or AWS_PROFILE / AWS_ACCESS_KEY_ID)`,
    );
  }
  return { stage: names.stage, region, s3: clients.s3, store: new ObjectStore(clients.s3), dynamo: clients.dynamo, sfn, need, close };
}

/**
 * An AWS error a stage command met, as the one line that says what to do: a resource that is
 * not there (the stage was removed, or the names are another stage's), credentials refused or
 * expired, a call the caller's role may not make. Anything else is returned as it is.
 */
export function stageFailure(error: unknown, stage: string, what: string): unknown {
  const e = error as Error & { name?: string };
  switch (e.name) {
    case "ResourceNotFoundException":
    case "NoSuchBucket":
    case "StateMachineDoesNotExist":
    case "ExecutionDoesNotExist":
      return new StageError(`stage ${stage}: ${what} does not exist: is the stage deployed (npx sst deploy --stage ${stage})? (${e.message})`);
    case "ExpiredToken":
    case "ExpiredTokenException":
    case "InvalidClientTokenId":
    case "UnrecognizedClientException":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
      return new StageError(`stage ${stage}: AWS refused your credentials (${e.name}): sign in again (aws sso login, aws configure)`);
    case "AccessDenied":
    case "AccessDeniedException":
      return new StageError(`stage ${stage}: your credentials may not use ${what} (${e.message})`);
    default:
      return error;
  }
}
