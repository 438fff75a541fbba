import { ListIngestionsCommand, QuickSightClient } from "@aws-sdk/client-quicksight";
import config from "../../etl.config.ts";
import { localResourceArns } from "../../local/iam/principals.ts";
import { functionPermissions } from "../../stacks/policies.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshSpice } from "../../core/io/spiceRefresh.ts";
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
});
