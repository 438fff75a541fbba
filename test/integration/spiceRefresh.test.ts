import { ListIngestionsCommand, QuickSightClient } from "@aws-sdk/client-quicksight";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshSpice } from "../../core/io/spiceRefresh.ts";
import { getServices } from "../../functions/services.ts";
import { startQuickSight, type QuickSightServer } from "../../local/quicksight/quicksightServer.ts";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

const ACCOUNT = "000000000000";
const DATASETS = ["etl-dev-gold_daily_sales_summary", "etl-dev-gold_product_performance"];

describe("SPICE refreshes after publishing", () => {
  let p: TestPipeline;
  let qs: QuickSightServer;
  let client: QuickSightClient;
  beforeAll(async () => {
    p = await startPipeline();
    qs = await startQuickSight();
    client = new QuickSightClient({ endpoint: qs.url, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  });
  afterAll(async () => {
    client.destroy();
    await qs.stop();
    await p.stop();
  });

  const count = async (dataSetId: string) =>
    (await client.send(new ListIngestionsCommand({ AwsAccountId: ACCOUNT, DataSetId: dataSetId }))).Ingestions?.length ?? 0;

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
