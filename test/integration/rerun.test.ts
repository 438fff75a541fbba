import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAKE, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";

/** What a reader of the lake sees: silver rows (without per-job columns), gold rows, published keys. */
async function snapshot(p: TestPipeline) {
  const silverKeys = await p.keys(LAKE, "silver/");
  // One model is enough to follow gold; the others have their own tests.
  const goldKeys = await p.keys(LAKE, "gold/daily_sales_by_product/");
  const silver = silverKeys.length
    ? await p.query(LAKE, silverKeys, "SELECT * EXCLUDE (_job_id, _processed_at) FROM read_parquet({files}) ORDER BY ALL")
    : [];
  const gold = goldKeys.length ? await p.query(LAKE, goldKeys, "SELECT * FROM read_parquet({files}) ORDER BY ALL") : [];
  // Object names carry the job id of the version that wrote them: compared without it.
  const anyJob = (keys: string[]) => keys.map((k) => k.replace(/-job-[0-9a-f]+\.parquet$/, ".parquet"));
  return { silverKeys: anyJob(silverKeys), goldKeys, quarantine: anyJob(await p.keys(LAKE, "quarantine/")), silver, gold };
}

describe("running files again", () => {
  let p: TestPipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(() => p.stop());

  it("leaves the lake as after one run when the same file is uploaded twice under the same key", async () => {
    await p.runtime.execute(await p.runtime.upload("samples/sales.csv", "incoming/sales.csv"));
    const once = await snapshot(p);
    const again = await p.runtime.execute(await p.runtime.upload("samples/sales.csv", "incoming/sales.csv"));

    expect(again.status).toBe("SUCCEEDED");
    expect(await snapshot(p)).toEqual(once);
    expect(once.silver).toHaveLength(12);
    await p.alerts();
  });

  it("skips a duplicate delivery of the same object version and changes nothing", async () => {
    const event = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
    const first = await p.runtime.execute(event);
    const before = await snapshot(p);
    const jobBefore = await readJob(jobIdFor(sourceFromEvent(event)));
    await p.alerts();

    const duplicate = await p.runtime.execute(event);

    expect(first.status).toBe("SUCCEEDED");
    expect(duplicate.status).toBe("SUCCEEDED");
    expect((duplicate.output?.extract as { skipped: boolean }).skipped).toBe(true);
    expect(await readJob(jobIdFor(sourceFromEvent(event)))).toEqual(jobBefore);
    expect(await snapshot(p)).toEqual(before);
    expect(await p.alerts()).toEqual([]);
    // The duplicate's execution is a SKIPPED row of the job history, beside the job's SUCCESS.
    const jobId = jobIdFor(sourceFromEvent(event));
    const rows = (await p.keys(LAKE, "job_history/")).filter((k) => k.includes(jobId));
    expect(rows.map((k) => k.split("/").at(-1)!.split(".")[1]).sort()).toEqual(["skipped", "success"]);
    const skipped = await p.s3.send(new GetObjectCommand({ Bucket: LAKE, Key: rows.find((k) => k.includes(".skipped."))! }));
    expect(JSON.parse(await skipped.Body!.transformToString())).toMatchObject({ job_id: jobId, status: "SKIPPED", dataset: "sales" });
  });

  it("replaces a source's earlier rows, partitions and gold when a corrected file arrives under the same key", async () => {
    const outcome = await p.runtime.execute(await p.runtime.upload("test/fixtures/sales-corrected.csv", "incoming/sales.csv"));
    expect(outcome.status).toBe("SUCCEEDED");

    const lake = await snapshot(p);
    expect(lake.silver.map((r) => Number(r.order_id))).toEqual([2001, 2002]);
    expect(lake.silverKeys.every((k) => k.startsWith("silver/sales/year=2024/month=04/day=10/"))).toBe(true);
    // The March partitions lost their only source: their gold is gone too, and so is the old quarantine.
    expect(lake.goldKeys).toEqual(["gold/daily_sales_by_product/year=2024/month=04/day=10/part.parquet"]);
    expect(lake.quarantine).toEqual([]);
    await p.alerts();
  });

  it("adds rows when a file arrives under a new key, and gold sums both sources", async () => {
    await p.runtime.execute(await p.runtime.upload("samples/sales.csv", "incoming/sales/march.csv"));
    await p.runtime.execute(await p.runtime.upload("test/fixtures/sales-corrected.csv", "incoming/sales/april-copy.csv"));

    const lake = await snapshot(p);
    const sources = new Map<string, number>();
    for (const r of lake.silver) sources.set(String(r._source_key), (sources.get(String(r._source_key)) ?? 0) + 1);
    expect(Object.fromEntries(sources)).toEqual({
      "incoming/sales.csv": 2,
      "incoming/sales/march.csv": 12,
      "incoming/sales/april-copy.csv": 2,
    });
    const april = lake.gold.filter((g) => (g.order_date as Date).toISOString().startsWith("2024-04-10"));
    expect(april.map((g) => [g.product, Number(g.orders)])).toEqual([
      ["Desk", 2],
      ["Lamp", 2],
    ]);
    await p.alerts();
  });
});
