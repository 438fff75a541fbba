import { ListIngestionsCommand, QuickSightClient } from "@aws-sdk/client-quicksight";
import config from "../../etl.config.ts";
import { localResourceArns } from "../../local/iam/principals.ts";
import { functionPermissions } from "../../stacks/policies.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshSpice } from "../../core/io/spiceRefresh.ts";
import { outputId } from "../../core/io/outputTable.ts";
import { sweepEvent } from "../../core/job/sweep.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../../core/io/clients.ts";
import { getServices } from "../../functions/services.ts";
import { startQuickSight, type QuickSightServer } from "../../local/quicksight/quicksightServer.ts";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

const ACCOUNT = "000000000000";
const DATASETS = ["etl-dev-test-a", "etl-dev-test-b"];

describe("SPICE refreshes after publishing", () => {
  let p: TestPipeline;
  let qs: QuickSightServer;
  let client: QuickSightClient;
  beforeAll(async () => {
    qs = await startQuickSight();
    // What the stack sets in SPICE mode (stacks/functions.ts); the endpoint is the stand-in's.
    Object.assign(process.env, { AWS_ENDPOINT_URL_QUICKSIGHT: qs.url, ETL_QUICKSIGHT_ACCOUNT_ID: ACCOUNT, ETL_QUICKSIGHT_DATASET_PREFIX: "etl-dev" });
    const quicksight = { principalArn: `arn:aws:quicksight:us-east-1:${ACCOUNT}:user/default/ana`, mode: "spice" as const, refreshMinutes: 45 };
    // The deployed policies in SPICE mode: load may claim the refresh record and call CreateIngestion.
    const permissions = functionPermissions({ ...localResourceArns(), quicksightDataSetsArn: `arn:aws:quicksight:us-east-1:${ACCOUNT}:dataset/etl-dev-*` });
    p = await startPipeline({ config: { ...config, quicksight }, iam: { permissions } });
    client = new QuickSightClient({ endpoint: qs.url, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  });
  afterAll(async () => {
    client.destroy();
    await qs.stop();
    await p.stop();
    for (const k of ["AWS_ENDPOINT_URL_QUICKSIGHT", "ETL_QUICKSIGHT_ACCOUNT_ID", "ETL_QUICKSIGHT_DATASET_PREFIX"]) delete process.env[k];
  });

  const count = async (dataSetId: string) =>
    (await client.send(new ListIngestionsCommand({ AwsAccountId: ACCOUNT, DataSetId: dataSetId }))).Ingestions?.length ?? 0;

  it("refreshes each published model's dataset once for three uploads within the interval", async () => {
    for (const [i, key] of ["a", "b", "c"].entries()) {
      const o = await p.runtime.execute(await p.runtime.upload(i === 1 ? "test/fixtures/sales-corrected.csv" : "samples/sales.csv", `incoming/sales/${key}.csv`));
      expect(o.error?.Cause ?? o.status).toBe("SUCCEEDED");
    }

    const models = config.gold.filter((m) => m.dataset === "sales").map((m) => `etl-dev-gold_${m.name}`);
    expect(models).toHaveLength(3);
    for (const id of models) expect(await count(id)).toBe(1);
    expect(qs.ingestions).toHaveLength(3);
  }, 120_000);

  it("coalesces 20 publishes over two hours into one refresh per dataset per 45 minutes, concurrent ones included", async () => {
    const start = Date.parse("2024-05-07T08:00:00Z");
    const outcomes = [];
    // 20 jobs: two publishing at the same instant every 12 minutes, from 0 to 108.
    for (let i = 0; i < 10; i++) {
      const now = start + i * 6 * 60_000 * 2;
      outcomes.push(
        ...(await Promise.all(
          [0, 1].map(() => refreshSpice(client, getServices().outputs, { accountId: ACCOUNT, dataSetIds: DATASETS, intervalMinutes: 45, now })),
        )),
      );
    }

    // Refreshes at 0, 48 (the first publish 45 minutes past 0) and 96; each instant refreshes once, not twice.
    expect(await count(DATASETS[0])).toBe(3);
    expect(await count(DATASETS[1])).toBe(3);
    expect(outcomes.reduce((n, o) => n + o.refreshed.length, 0)).toBe(6);
    expect(outcomes.reduce((n, o) => n + o.deferred.length, 0)).toBe(20 * 2 - 6);
    expect(qs.ingestions.every((i) => i.accountId === ACCOUNT)).toBe(true);
  });

  it("the sweep runs the refreshes publishes left pending once their interval passed, and the job history's, each once", async () => {
    const { handler } = await import("../../functions/sweep.ts");
    const gold = config.gold.map((m) => `etl-dev-gold_${m.name}`);
    // The first test's second and third uploads published inside the interval: every gold dataset is pending.
    const outcome = await refreshSpice(client, getServices().outputs, { accountId: ACCOUNT, dataSetIds: gold, intervalMinutes: 45 });
    expect(outcome).toEqual({ refreshed: [], deferred: gold });
    const before = new Map(await Promise.all([...gold, "etl-dev-jobs"].map(async (id) => [id, await count(id)] as const)));

    // Inside the interval the sweep leaves the pending dataset alone, and takes the job history's first refresh.
    await handler(sweepEvent(6 * 3600));
    for (const id of gold) expect(await count(id)).toBe(before.get(id));
    expect(await count("etl-dev-jobs")).toBe(before.get("etl-dev-jobs")! + 1);

    // 46 minutes later (the records' last refresh moved back): each pending dataset is refreshed once.
    const db = dynamoClient();
    for (const id of [...gold, "etl-dev-jobs"]) {
      await db.send(
        new UpdateCommand({ TableName: LOCAL_NAMES.outputsTable, Key: { id: outputId.spice(id) }, UpdateExpression: "SET last_at = last_at - :d", ExpressionAttributeValues: { ":d": 46 * 60_000 } }),
      );
    }
    db.destroy();
    await handler(sweepEvent(6 * 3600));
    for (const id of gold) expect(await count(id)).toBe(before.get(id)! + 1);
    expect(await count("etl-dev-jobs")).toBe(before.get("etl-dev-jobs")! + 2);
    // Nothing left pending, the job history refreshed within the interval: a second sweep refreshes nothing.
    await handler(sweepEvent(6 * 3600));
    for (const id of gold) expect(await count(id)).toBe(before.get(id)! + 1);
    expect(await count("etl-dev-jobs")).toBe(before.get("etl-dev-jobs")! + 2);
  });
});
