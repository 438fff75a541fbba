import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import { startFauxqs } from "fauxqs";
import type { S3Hooks } from "./s3/call.ts";
import { startS3Server } from "./s3/server.ts";
import { startGlue } from "./glue/glueServer.ts";

/** Running emulators: their endpoints and how to stop them. */
export type Emulators = { s3: string; sns: string; sqs: string; dynamodb: string; glue: string; stop: () => Promise<void> };

export type EmulatorOptions = {
  /** Policy checks and fault injection on every S3 call (local/s3/call.ts). */
  s3Hooks?: S3Hooks;
  /** Where the current objects show as `<bucket>/<key>` files; with `dataDir`, `<dataDir>/../lake` by default. */
  lakeDir?: string;
  /** Where the local Glue catalog keeps its tables as JSON (a temp folder removed on stop when absent). */
  catalogDir?: string;
};

/**
 * Starts in-process emulators that speak the AWS wire protocols (docs/design.md decision 6): our own
 * on-disk versioned S3 (local/s3, docs/s3.md), fauxqs for SNS and SQS, dynalite for DynamoDB, on
 * free loopback ports. With `dataDir` their state survives restarts; without it S3 lives in a temp
 * folder removed on stop and the rest in memory.
 */
export async function startEmulators(dataDir?: string, options: EmulatorOptions = {}): Promise<Emulators> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const s3 = await startS3Server({
    root: dataDir && join(dataDir, "objects"),
    lakeDir: options.lakeDir ?? (dataDir && join(dataDir, "..", "lake")),
    hooks: options.s3Hooks,
  });
  const fauxqs = await startFauxqs({ port: 0, logger: false, host: "localhost", ...(dataDir ? { dataDir: join(dataDir, "fauxqs") } : {}) });
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dataDir ? { path: join(dataDir, "dynamodb") } : {}) });
  await new Promise<void>((resolve, reject) => {
    dynamo.once("error", reject);
    dynamo.listen(0, "127.0.0.1", () => resolve());
  });
  const awsUrl = `http://127.0.0.1:${fauxqs.port}`;
  // The catalog is plain JSON files: under the state dir when there is one, else a temp dir.
  const tempCatalog = options.catalogDir ? undefined : mkdtempSync(join(tmpdir(), "etl-glue-"));
  const glue = await startGlue(options.catalogDir ?? tempCatalog!);
  return {
    s3: s3.url,
    sns: awsUrl,
    sqs: awsUrl,
    dynamodb: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
    glue: glue.url,
    stop: async () => {
      await s3.stop();
      await glue.stop();
      if (tempCatalog) rmSync(tempCatalog, { recursive: true, force: true });
      await fauxqs.stop();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
