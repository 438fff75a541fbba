import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAKE, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { runBackfill, type BackfillItem } from "../../local/backfill.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent, type ObjectCreatedEvent } from "../../core/events/objectCreated.ts";

const HEADER = "order_id,customer_name,product,quantity,unit_price,order_date\n";

/** The silver rows of the sales dataset, as an independent reader sees them. */
async function silverOrders(p: TestPipeline): Promise<{ order_id: bigint; quantity: bigint }[]> {
  const keys = await p.keys(LAKE, "silver/sales/");
  return keys.length ? p.query(LAKE, keys, "SELECT order_id, quantity FROM read_parquet({files}) ORDER BY order_id") : [];
}

describe("backfill: the current version of each key, in S3 order, never twice", () => {
  let p: TestPipeline;
  let dir: string;
  const file = (name: string, rows: string) => {
    const path = join(dir, name);
    writeFileSync(path, HEADER + rows);
    return path;
  };
  const backfill = async (prefix: string) => {
    const items: BackfillItem[] = [];
    const summary = await runBackfill(p.runtime, { prefix, concurrency: 2, onItem: (i) => void items.push(i) });
    return { summary, items };
  };
  const status = async (event: ObjectCreatedEvent) => (await readJob(jobIdFor(sourceFromEvent(event))))?.status;

  beforeAll(async () => {
    p = await startPipeline();
    dir = mkdtempSync(join(tmpdir(), "etl-backfill-"));
  });
  afterAll(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the version a live execution would, under the same job id: the late live delivery is SKIPPED", async () => {
    const live = await p.runtime.upload(file("a.csv", "1,Ann,widget,2,3.5,2024-03-01\n2,Bob,gadget,1,10,2024-03-01\n"), "incoming/sales/one/a.csv");

    const { summary, items } = await backfill("incoming/sales/one/");

    expect(summary).toMatchObject({ items: 1, succeeded: 1, failed: 0, status: "SUCCEEDED" });
    expect(jobIdFor(sourceFromEvent(items[0].child!.event))).toBe(jobIdFor(sourceFromEvent(live)));
    expect(await status(live)).toBe("SUCCESS");
    const late = await p.runtime.execute(live);
    expect((late.output?.extract as { skipped: boolean }).skipped).toBe(true);
    expect(await silverOrders(p)).toEqual([{ order_id: 1n, quantity: 2n }, { order_id: 2n, quantity: 1n }]);
    // The upload was archived: a second backfill finds nothing left to do.
    expect((await backfill("incoming/sales/one/")).summary.items).toBe(0);
  });

  it("orders a backfilled version after the key's committed one and before any later upload", async () => {
    const key = "incoming/sales/two/b.csv";
    const v1 = await p.runtime.upload(file("b1.csv", "10,Cy,widget,5,1,2024-03-02\n"), key);
    expect((await p.runtime.execute(v1)).status).toBe("SUCCEEDED");
    // v2's event was lost: only a backfill finds it.
    const v2 = await p.runtime.upload(file("b2.csv", "10,Cy,widget,7,1,2024-03-02\n11,Di,gadget,1,2,2024-03-02\n"), key);

    const { summary, items } = await backfill("incoming/sales/two/");

    expect(summary.succeeded).toBe(1);
    expect(jobIdFor(sourceFromEvent(items[0].child!.event))).toBe(jobIdFor(sourceFromEvent(v2)));
    expect(await status(v2)).toBe("SUCCESS");
    const after = (await silverOrders(p)).filter((r) => r.order_id >= 10n);
    expect(after).toEqual([{ order_id: 10n, quantity: 7n }, { order_id: 11n, quantity: 1n }]);
    // The lost event arriving late is the same version: SKIPPED, nothing changes.
    expect((((await p.runtime.execute(v2)).output?.extract) as { skipped: boolean }).skipped).toBe(true);
    expect((await silverOrders(p)).filter((r) => r.order_id >= 10n)).toEqual(after);
    // A later upload is newer than the backfilled version in S3's order: its rows win.
    const v3 = await p.runtime.upload(file("b3.csv", "10,Cy,widget,1,1,2024-03-02\n"), key);
    await p.runtime.execute(v3);
    expect(await status(v3)).toBe("SUCCESS");
    expect((await silverOrders(p)).filter((r) => r.order_id >= 10n)).toEqual([{ order_id: 10n, quantity: 1n }]);
  });

  it("ends SUPERSEDED, changing nothing, when a newer upload replaced the pinned version before extract", async () => {
    const key = "incoming/sales/three/c.csv";
    const old = await p.runtime.upload(file("c1.csv", "20,Ed,widget,3,1,2024-03-03\n"), key);
    const newer = await p.runtime.upload(file("c2.csv", "20,Ed,widget,9,1,2024-03-03\n"), key);
    // The child the map started for the older version, as it reaches extract: no sequencer, the version pinned.
    const pinned = structuredClone(old);
    delete (pinned.detail.object as { sequencer?: string }).sequencer;

    await p.runtime.execute(pinned);
    expect(await status(pinned)).toBe("SUPERSEDED");
    expect((await silverOrders(p)).filter((r) => r.order_id === 20n)).toEqual([]);

    await p.runtime.execute(newer);
    expect((await silverOrders(p)).filter((r) => r.order_id === 20n)).toEqual([{ order_id: 20n, quantity: 9n }]);
  });
});
