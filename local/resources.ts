import { CreateBucketCommand, HeadBucketCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { GlueClient } from "@aws-sdk/client-glue";
import { GlueCatalog } from "../core/io/glueCatalog.ts";
import { LOCAL_NAMES } from "./localEnv.ts";

/**
 * Creates locally what stacks/ creates on AWS, through the same APIs: the two buckets (the raw one
 * versioned, as deployed, so uploads get version ids and reads name them), the jobs table with its
 * indexes, the outputs table, the alerts topic, and a queue subscribed to it so alerts can be read.
 * Idempotent: a persisted state directory already has them. Returns the inbox queue URL.
 */
export async function ensureResources(): Promise<{ alertsQueueUrl: string }> {
  const s3 = new S3Client({ forcePathStyle: true });
  for (const bucket of [LOCAL_NAMES.rawBucket, LOCAL_NAMES.lakeBucket]) {
    const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
    if (!exists) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  await s3.send(new PutBucketVersioningCommand({ Bucket: LOCAL_NAMES.rawBucket, VersioningConfiguration: { Status: "Enabled" } }));

  const dynamo = new DynamoDBClient({});
  const table = await dynamo.send(new DescribeTableCommand({ TableName: LOCAL_NAMES.jobsTable })).catch(() => undefined);
  if (!table) {
    const index = (name: string, hash: string) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: hash, KeyType: "HASH" as const },
        { AttributeName: "started_at", KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: "ALL" as const },
    });
    await dynamo.send(
      new CreateTableCommand({
        TableName: LOCAL_NAMES.jobsTable,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: ["job_id", "status", "dataset", "started_at"].map((a) => ({ AttributeName: a, AttributeType: "S" as const })),
        KeySchema: [{ AttributeName: "job_id", KeyType: "HASH" }],
        GlobalSecondaryIndexes: [index("by_status", "status"), index("by_dataset", "dataset")],
      }),
    );
  }

  const outputs = await dynamo.send(new DescribeTableCommand({ TableName: LOCAL_NAMES.outputsTable })).catch(() => undefined);
  if (!outputs) {
    await dynamo.send(
      new CreateTableCommand({
        TableName: LOCAL_NAMES.outputsTable,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
  }

  const glue = new GlueClient({});
  await new GlueCatalog(glue, LOCAL_NAMES.glueDatabase).createDatabase();
  glue.destroy();

  const sns = new SNSClient({});
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: LOCAL_NAMES.alertsTopic }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: LOCAL_NAMES.alertsInbox }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  await sns.send(
    new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: attrs.Attributes!.QueueArn, Attributes: { RawMessageDelivery: "false" } }),
  );
  s3.destroy();
  dynamo.destroy();
  sns.destroy();
  sqs.destroy();
  return { alertsQueueUrl: QueueUrl! };
}
