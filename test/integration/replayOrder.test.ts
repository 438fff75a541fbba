import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIdOfEvent } from "../../core/events/objectCreated.ts";
import { lake } from "../../core/lake/layout.ts";
import { planReplay } from "../../core/replay/planReplay.ts";
import { planRetract } from "../../core/replay/planRetract.ts";
import { getServices } from "../../functions/services.ts";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

const KEY = "incoming/sales.csv";

/** What a reader sees of silver and gold, without the per-job columns and names. */
async function snapshot(p: TestPipeline) {
  const silverKeys = await p.keys(LAKE, "silver/");
  const goldKeys = await p.keys(LAKE, "gold/daily_sales_by_product/");
  const silver = silverKeys.length ? await p.query(LAKE, silverKeys, "SELECT * EXCLUDE (_job_id, _processed_at) FROM read_parquet({files}) ORDER BY ALL") : [];
  const gold = goldKeys.length ? await p.query(LAKE, goldKeys, "SELECT * FROM read_parquet({files}) ORDER BY ALL") : [];
  return { silver, gold, quarantine: (await p.keys(LAKE, "quarantine/")).length };
}

describe("replays and retracts in a key's order of versions (docs/ops.md)", () => {
  let p: TestPipeline;
  let older: string;
  let newer: string;
  let current: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    p = await startPipeline();
    const first = await p.runtime.upload("samples/sales.csv", KEY);
    await p.runtime.execute(first);
    const second = await p.runtime.upload("test/fixtures/sales-corrected.csv", KEY);
    await p.runtime.execute(second);
    [older, newer] = [jobIdOfEvent(first), jobIdOfEvent(second)];
    current = await snapshot(p);
  }, 120_000);
  afterAll(() => p?.stop());

  it("a replay of a version a newer upload replaced is planned as superseded, ends SUPERSEDED and changes nothing", async () => {
    const { replays } = await planReplay(getServices(), { jobId: older });
    expect(replays).toMatchObject([{ of: older, from: "bronze", supersededBy: newer }]);
    const outcome = await p.runtime.execute(replays[0].event);
    expect(outcome.status).toBe("SUCCEEDED");
    expect(await readJob(replays[0].jobId)).toMatchObject({ status: "SUPERSEDED", replayOf: older });
    expect(await snapshot(p)).toEqual(current);
  }, 60_000);

  it("with its bronze copy gone, the committed version is replayed from archived/<key> and re-commits the same rows", async () => {
    await p.s3.send(new DeleteObjectCommand({ Bucket: LAKE, Key: lake.bronze("sales", newer, KEY) }));
    const { replays } = await planReplay(getServices(), { jobId: newer });
    expect(replays).toMatchObject([{ of: newer, from: "archive", key: KEY }]);
    expect(replays[0].supersededBy).toBeUndefined();
    expect((await p.runtime.execute(replays[0].event)).status).toBe("SUCCEEDED");
    expect(await readJob(replays[0].jobId)).toMatchObject({ status: "SUCCESS", replayOf: newer });
    expect(await snapshot(p)).toEqual(current);
    // The older version's bronze copy is there, but archived/ holds the newer one: no copy of the older left once bronze goes.
    await p.s3.send(new DeleteObjectCommand({ Bucket: LAKE, Key: lake.bronze("sales", older, KEY) }));
    await expect(planReplay(getServices(), { jobId: older })).rejects.toThrow(/archived\/sales.csv holds another version of the key/);
  }, 60_000);

  it("a retract orders after the version it retracts: a replay of that version then ends SUPERSEDED; a new upload replaces the retract", async () => {
    const retract = await planRetract(getServices(), KEY, { erase: false });
    expect((await p.runtime.execute(retract.event)).status).toBe("SUCCEEDED");
    expect(await readJob(retract.jobId)).toMatchObject({ status: "SUCCESS", retracted: { key: KEY, erased: false } });
    const emptied = await snapshot(p);
    expect(emptied).toEqual({ silver: [], gold: [], quarantine: 0 });
    // --keep-raw: the archived copy stays.
    expect(await p.keys(RAW, "archived/")).toEqual(["archived/sales.csv"]);

    const { replays } = await planReplay(getServices(), { jobId: newer });
    expect(replays[0].supersededBy).toBe(retract.jobId);
    expect((await p.runtime.execute(replays[0].event)).status).toBe("SUCCEEDED");
    expect(await readJob(replays[0].jobId)).toMatchObject({ status: "SUPERSEDED" });
    expect(await snapshot(p)).toEqual(emptied);

    const again = await p.runtime.upload("test/fixtures/sales-corrected.csv", KEY);
    expect((await p.runtime.execute(again)).status).toBe("SUCCEEDED");
    expect(await readJob(jobIdOfEvent(again))).toMatchObject({ status: "SUCCESS" });
    expect(await snapshot(p)).toEqual(current);
  }, 120_000);
});
