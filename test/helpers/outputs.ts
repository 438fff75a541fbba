import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { LOCAL_NAMES } from "../../local/localEnv.ts";

/** Every item of the outputs table, read with a plain scan rather than the pipeline's OutputTable. */
export async function outputItems(): Promise<Record<string, any>[]> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const items: Record<string, any>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const out = await db.send(new ScanCommand({ TableName: LOCAL_NAMES.outputsTable, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  db.destroy();
  return items;
}

/**
 * The lake objects some record owns: the silver and quarantine objects listed in the manifest of
 * each source key's committed version, and the staged gold each gold record would copy again.
 */
export async function ownedObjects(s3: S3Client): Promise<{ silver: string[]; quarantine: string[]; staging: string[] }> {
  const items = await outputItems();
  const owned = { silver: [] as string[], quarantine: [] as string[], staging: [] as string[] };
  for (const item of items) {
    if (item.id.startsWith("source#")) {
      const out = await s3.send(new GetObjectCommand({ Bucket: LOCAL_NAMES.lakeBucket, Key: item.manifest }));
      const manifest = JSON.parse(await out.Body!.transformToString());
      owned.silver.push(...manifest.silver);
      owned.quarantine.push(...manifest.quarantine);
    }
    if (item.id.startsWith("gold#") && item.from) owned.staging.push(item.from.key);
  }
  return { silver: owned.silver.sort(), quarantine: owned.quarantine.sort(), staging: owned.staging.sort() };
}
