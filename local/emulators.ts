import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import { startFauxqs } from "fauxqs";
import { startGlue } from "./glue/glueServer.ts";

/** Running emulators: their endpoints and how to stop them. */
export type Emulators = { s3: string; sns: string; sqs: string; dynamodb: string; glue: string; stop: () => Promise<void> };

/**
 * Starts in-process emulators that speak the AWS wire protocols (DESIGN.md decision 6): fauxqs
 * for S3, SNS and SQS, dynalite for DynamoDB, on free loopback ports. With `dataDir` their state
 * survives restarts; without it everything is in memory.
 */
export async function startEmulators(dataDir?: string, catalogDir?: string): Promise<Emulators> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const fauxqs = await startFauxqs({
    port: 0,
    logger: false,
    host: "localhost",
    ...(dataDir ? { dataDir: join(dataDir, "fauxqs"), s3StorageDir: join(dataDir, "s3") } : {}),
  });
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dataDir ? { path: join(dataDir, "dynamodb") } : {}) });
  await new Promise<void>((resolve, reject) => {
    dynamo.once("error", reject);
    dynamo.listen(0, "127.0.0.1", () => resolve());
  });
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const awsUrl = `http://127.0.0.1:${fauxqs.port}`;
  // The catalog is plain JSON files: under the state dir when there is one, else a temp dir.
  const glue = await startGlue(catalogDir ?? mkdtempSync(join(tmpdir(), "etl-glue-")));
  return {
    s3: awsUrl,
    sns: awsUrl,
    sqs: awsUrl,
    dynamodb: dynamoUrl,
    glue: glue.url,
    stop: async () => {
      await glue.stop();
      await fauxqs.stop();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
