import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { JobTable } from "../../core/io/jobTable.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";

/**
 * Records a job RUNNING as if its execution had started and last moved `hoursAgo`, then
 * vanished (a killed process, a status-change event never delivered): what the sweep is for.
 */
export async function leaveJobRunning(jobs: JobTable, key: string, hoursAgo: number): Promise<string> {
  const then = new Date(Date.now() - hoursAgo * 3600_000).toISOString();
  const jobId = `job-stuck-${Math.random().toString(16).slice(2, 10)}`;
  await jobs.start({
    ref: { jobId, dataset: "sales", source: { bucket: LOCAL_NAMES.rawBucket, key }, sourceId: "stuck", startedAt: then },
    executionId: `arn:aws:states:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:execution:${LOCAL_NAMES.stateMachine}:${jobId}`,
  });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  await db.send(
    new UpdateCommand({
      TableName: LOCAL_NAMES.jobsTable,
      Key: { job_id: jobId },
      UpdateExpression: "SET updated_at = :then",
      ExpressionAttributeValues: { ":then": then },
    }),
  );
  db.destroy();
  return jobId;
}
