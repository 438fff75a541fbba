import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DuckDBInstance } from "@duckdb/node-api";
import { writeFile } from "node:fs/promises";
import { LocalRuntime, type RuntimeOptions } from "../../local/runtime.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";

/** A local pipeline for one test file: in-memory emulators, plus readers that do not use the pipeline's code. */
export type TestPipeline = {
  runtime: LocalRuntime;
  s3: S3Client;
  /** Every key under a prefix of a bucket. */
  keys: (bucket: string, prefix?: string) => Promise<string[]>;
  /** Downloads objects and queries them with a fresh DuckDB: `{files}` in the SQL is the list of paths. */
  query: <T = Record<string, unknown>>(bucket: string, keys: string[], sql: string) => Promise<T[]>;
  /** Receives (and deletes) every alert published so far, as parsed SNS envelopes. */
  alerts: () => Promise<{ Subject: string; Message: Record<string, unknown>; Attributes: Record<string, string> }[]>;
  stop: () => Promise<void>;
};

/** Starts a local pipeline; call `stop` in afterAll. */
export async function startPipeline(options: RuntimeOptions = {}): Promise<TestPipeline> {
  const runtime = await LocalRuntime.start({ retryIntervals: {}, ...options });
  const s3 = new S3Client({ forcePathStyle: true });
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const dir = mkdtempSync(join(tmpdir(), "etl-test-"));
  let n = 0;

  const keys = async (bucket: string, prefix = "") => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  };

  const query = async <T>(bucket: string, objectKeys: string[], sql: string) => {
    const files: string[] = [];
    for (const key of objectKeys) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const file = join(dir, `${n++}.parquet`);
      await writeFile(file, await out.Body!.transformToByteArray());
      files.push(file);
    }
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'");
    const list = `[${files.map((f) => `'${f}'`).join(", ")}]`;
    const reader = await conn.runAndReadAll(sql.replaceAll("{files}", list));
    const rows = reader.getRowObjectsJS() as T[];
    conn.closeSync();
    db.closeSync();
    return rows;
  };

  const alerts = async () => {
    const received: { Subject: string; Message: Record<string, unknown>; Attributes: Record<string, string> }[] = [];
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: runtime.alertsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!out.Messages?.length) return received;
      for (const m of out.Messages) {
        const envelope = JSON.parse(m.Body!);
        const attributes = Object.entries((envelope.MessageAttributes ?? {}) as Record<string, { Value: string }>);
        received.push({
          Subject: envelope.Subject,
          Message: JSON.parse(envelope.Message),
          Attributes: Object.fromEntries(attributes.map(([k, a]) => [k, a.Value])),
        });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: runtime.alertsQueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };

  return {
    runtime,
    s3,
    keys,
    query,
    alerts,
    stop: async () => {
      s3.destroy();
      sqs.destroy();
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const RAW = LOCAL_NAMES.rawBucket;
export const LAKE = LOCAL_NAMES.lakeBucket;

/** Reads a job item straight from the table, without the pipeline's JobTable. */
export async function readJob(jobId: string): Promise<Record<string, any> | undefined> {
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const { DynamoDBDocumentClient, GetCommand } = await import("@aws-sdk/lib-dynamodb");
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const out = await db.send(new GetCommand({ TableName: LOCAL_NAMES.jobsTable, Key: { job_id: jobId }, ConsistentRead: true }));
  db.destroy();
  return out.Item;
}
