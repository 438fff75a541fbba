import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sourceFromEvent, type ObjectCreatedEvent } from "../../core/events/objectCreated.ts";
import { JobTable } from "../../core/io/jobTable.ts";
import { ObjectStore, type ObjectRef } from "../../core/io/objectStore.ts";
import { jobIdFor, sourceIdFor } from "../../core/job/jobId.ts";
import type { Step } from "../../core/steps.ts";
import { loadHandlers } from "../../local/handlers.ts";
import { ownedObjects } from "../helpers/outputs.ts";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

const PRODUCTS = ["Desk", "Lamp", "Chair", "Shelf"];
const CUSTOMERS = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Fay", "Gus"];

/** A sales file of `rows` valid rows with unique order ids from `firstId`, spread over `days` days of `month`. */
function salesFile(dir: string, name: string, seed: number, rows: number, month: string, days = 5): string {
  let state = seed;
  const next = (n: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
  const lines = ["order_id,customer_name,product,quantity,unit_price,order_date"];
  for (let i = 0; i < rows; i++) {
    const day = String(1 + next(days)).padStart(2, "0");
    lines.push(`${seed * 10_000 + i},${CUSTOMERS[next(CUSTOMERS.length)]},${PRODUCTS[next(PRODUCTS.length)]},${1 + next(9)},${(5 + next(500) / 4).toFixed(2)},${month}-${day}`);
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

/** The gold model computed straight from the CSV files with DuckDB and explicit types: never from the pipeline's output. */
async function expectedGold(files: string[], from: string, to: string) {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const list = `[${files.map((f) => `'${f}'`).join(", ")}]`;
  const reader = await conn.runAndReadAll(
    `SELECT CAST(order_date AS VARCHAR) AS day, product, count(*) AS orders, sum(quantity) AS units,
            round(avg(unit_price), 6) AS avg_price, max(unit_price) AS max_price, count(DISTINCT customer_name) AS customers
     FROM read_csv(${list}, header = true, columns = {'order_id': 'BIGINT', 'customer_name': 'VARCHAR', 'product': 'VARCHAR',
                   'quantity': 'BIGINT', 'unit_price': 'DOUBLE', 'order_date': 'DATE'})
     WHERE order_date BETWEEN DATE '${from}' AND DATE '${to}'
     GROUP BY ALL ORDER BY ALL`,
  );
  const rows = reader.getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return rows.map((r) => ({ ...r, orders: Number(r.orders), units: Number(r.units), customers: Number(r.customers) }));
}

/** The statuses of a job's rows in the job history (`job_history/…/<job>.<status>.<attempt>.json`), read from the rows. */
async function historyStatuses(p: TestPipeline, jobId: string): Promise<string[]> {
  const keys = (await p.keys(LAKE, "job_history/")).filter((k) => k.split("/").at(-1)!.startsWith(`${jobId}.`));
  const rows = await Promise.all(keys.map(async (Key) => (await p.s3.send(new GetObjectCommand({ Bucket: LAKE, Key }))).Body!.transformToString()));
  return rows.map((r) => JSON.parse(r).status).sort();
}

/** What the published gold says for the days between `from` and `to`, in the same shape. */
async function publishedGold(p: TestPipeline, from: string, to: string) {
  const keys = await p.keys(LAKE, "gold/daily_sales_by_product/");
  const rows = await p.query<Record<string, unknown>>(
    LAKE,
    keys,
    `SELECT CAST(order_date AS VARCHAR) AS day, product, orders, units, round(avg_unit_price, 6) AS avg_price,
            max_unit_price AS max_price, customers
     FROM read_parquet({files}) WHERE order_date BETWEEN DATE '${from}' AND DATE '${to}' ORDER BY ALL`,
  );
  return rows.map((r) => ({ ...r, orders: Number(r.orders), units: Number(r.units), customers: Number(r.customers) }));
}

/** Order ids in silver for one source key. */
async function silverIds(p: TestPipeline, key: string): Promise<number[]> {
  const rows = await p.query<{ order_id: bigint }>(
    LAKE,
    await p.keys(LAKE, "silver/"),
    `SELECT order_id FROM read_parquet({files}, union_by_name = true) WHERE _source_key = '${key}' ORDER BY order_id`,
  );
  return rows.map((r) => Number(r.order_id));
}

/** Order ids of a generated file. */
async function fileIds(file: string): Promise<number[]> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const reader = await conn.runAndReadAll(`SELECT order_id FROM read_csv('${file}', header = true, columns = {'order_id': 'BIGINT', 'customer_name': 'VARCHAR', 'product': 'VARCHAR', 'quantity': 'BIGINT', 'unit_price': 'DOUBLE', 'order_date': 'DATE'}) ORDER BY 1`);
  const ids = reader.getRowObjectsJS().map((r) => Number(r.order_id));
  conn.closeSync();
  db.closeSync();
  return ids;
}

/** Every silver and quarantine object is one a source record owns, and nothing is staged that no record may copy again. */
async function expectNoOrphans(p: TestPipeline) {
  const owned = await ownedObjects(p.s3);
  expect(await p.keys(LAKE, "silver/")).toEqual(owned.silver);
  expect(await p.keys(LAKE, "quarantine/")).toEqual(owned.quarantine);
}

/** Holds a job when it enters a step until `release` is called. */
function holdAt(jobId: string, step: Step) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const atStep = new Promise<void>((r) => (reached = r));
  const original = JobTable.prototype.enterStep;
  vi.spyOn(JobTable.prototype, "enterStep").mockImplementation(async function (this: JobTable, id: string, s: Step) {
    if (id === jobId && s === step) {
      reached();
      await released;
    }
    return original.call(this, id, s);
  });
  return { reached: atStep, release };
}

/** Makes the n-th copy into silver/ made by this job fail, as a kill part-way through the commit would leave it. */
function killCommitAfter(jobId: string, copies: number) {
  const original = ObjectStore.prototype.copy;
  let n = 0;
  vi.spyOn(ObjectStore.prototype, "copy").mockImplementation(async function (this: ObjectStore, from: ObjectRef, to: ObjectRef, metadata?: Record<string, string>) {
    if (to.key.startsWith("silver/") && to.key.includes(jobId) && ++n > copies) throw new Error("killed during the commit");
    return original.call(this, from, to, metadata);
  });
}

describe("concurrent executions, kills and re-uploads", () => {
  let p: TestPipeline;
  let dir: string;
  beforeAll(async () => {
    p = await startPipeline();
    dir = mkdtempSync(join(tmpdir(), "etl-concurrency-"));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const jobOf = (event: ObjectCreatedEvent) => jobIdFor(sourceFromEvent(event));

  it("runs 20 files over the same days at once: all SUCCESS, gold equal to DuckDB over all the files", async () => {
    const files = Array.from({ length: 20 }, (_, i) => salesFile(dir, `batch-${i}.csv`, i + 1, 40, "2024-05"));
    const events: ObjectCreatedEvent[] = [];
    for (const [i, file] of files.entries()) events.push(await p.runtime.upload(file, `incoming/sales/batch-${i}.csv`));

    const started = Date.now();
    const outcomes = await Promise.all(events.map((e) => p.runtime.execute(e)));
    const wallMs = Date.now() - started;

    // The errors, not just the statuses, so a failure says what went wrong.
    expect(outcomes.filter((o) => o.status !== "SUCCEEDED").map((o) => o.error)).toEqual([]);
    const jobs = await Promise.all(events.map((e) => readJob(jobOf(e))));
    expect(jobs.map((j) => j?.status)).toEqual(Array(20).fill("SUCCESS"));
    expect(jobs.every((j) => typeof j?.expires_at === "number")).toBe(true);
    expect(await publishedGold(p, "2024-05-01", "2024-05-31")).toEqual(await expectedGold(files, "2024-05-01", "2024-05-31"));
    const silverRows = await p.query<{ n: bigint }>(LAKE, await p.keys(LAKE, "silver/"), "SELECT count(*) AS n FROM read_parquet({files})");
    expect(Number(silverRows[0].n)).toBe(800);
    await expectNoOrphans(p);
    // A job skips a day a newer commit changed since: far fewer than 20 jobs × 5 days computations.
    let computed = 0;
    for (const e of events) {
      const out = await p.s3.send(new GetObjectCommand({ Bucket: LAKE, Key: `jobs/${jobOf(e)}/aggregate.json` }));
      computed += JSON.parse(await out.Body!.transformToString()).gold.length;
    }
    expect(computed).toBeGreaterThanOrEqual(5);
    expect(computed).toBeLessThan(100);
    process.stderr.write(`20 concurrent executions over 5 shared days: ${wallMs} ms wall, ${computed} gold partitions computed\n`);
  }, 240_000);

  it("keeps the newer version of a key when the older one commits later: the older ends SUPERSEDED at clean", async () => {
    const key = "incoming/sales/race-clean.csv";
    const older = salesFile(dir, "race-clean-1.csv", 101, 30, "2024-06");
    const newer = salesFile(dir, "race-clean-2.csv", 102, 20, "2024-06");
    const first = await p.runtime.upload(older, key);
    const hold = holdAt(jobOf(first), "clean");
    const slow = p.runtime.execute(first);
    await hold.reached;
    const second = await p.runtime.upload(newer, key);
    expect((await p.runtime.execute(second)).status).toBe("SUCCEEDED");
    hold.release();
    expect((await slow).status).toBe("SUCCEEDED");

    expect((await readJob(jobOf(second)))?.status).toBe("SUCCESS");
    expect((await readJob(jobOf(first)))?.status).toBe("SUPERSEDED");
    expect(await historyStatuses(p, jobOf(first))).toEqual(["SUPERSEDED"]);
    expect(await silverIds(p, key)).toEqual(await fileIds(newer));
    expect(await publishedGold(p, "2024-06-01", "2024-06-30")).toEqual(await expectedGold([newer], "2024-06-01", "2024-06-30"));
    await expectNoOrphans(p);
  }, 120_000);

  it("keeps the newer version when the older one already committed and is still aggregating: gold follows the newer", async () => {
    const key = "incoming/sales/race-gold.csv";
    const older = salesFile(dir, "race-gold-1.csv", 201, 30, "2024-07");
    const newer = salesFile(dir, "race-gold-2.csv", 202, 10, "2024-07", 2);
    const first = await p.runtime.upload(older, key);
    const hold = holdAt(jobOf(first), "aggregate");
    const slow = p.runtime.execute(first);
    await hold.reached;
    expect(await silverIds(p, key)).toEqual(await fileIds(older));
    const second = await p.runtime.upload(newer, key);
    expect((await p.runtime.execute(second)).status).toBe("SUCCEEDED");
    hold.release();
    expect((await slow).status).toBe("SUCCEEDED");

    expect((await readJob(jobOf(first)))?.status).toBe("SUPERSEDED");
    expect(await silverIds(p, key)).toEqual(await fileIds(newer));
    // Days only the older file had lost their gold; the others hold the newer file's.
    expect(await publishedGold(p, "2024-07-01", "2024-07-31")).toEqual(await expectedGold([newer], "2024-07-01", "2024-07-31"));
    await expectNoOrphans(p);
    // The older job archived last, but archived/ keeps the newer upload.
    const archived = await p.s3.send(new GetObjectCommand({ Bucket: RAW, Key: "archived/sales/race-gold.csv" }));
    expect(await archived.Body!.transformToString()).toBe(readFileSync(newer, "utf8"));
  }, 120_000);

  it("undoes an older version's copies when a newer one takes the key in the middle of its commit", async () => {
    const key = "incoming/sales/mid-commit.csv";
    await p.runtime.execute(await p.runtime.upload(salesFile(dir, "mid-0.csv", 600, 30, "2024-11"), key));
    const olderFile = salesFile(dir, "mid-1.csv", 601, 40, "2024-11");
    const first = await p.runtime.upload(olderFile, key);
    // The older job stalls after its first copy into silver until the newer one has finished.
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const stalled = new Promise<void>((r) => (reached = r));
    const copy = ObjectStore.prototype.copy;
    let copies = 0;
    vi.spyOn(ObjectStore.prototype, "copy").mockImplementation(async function (this: ObjectStore, from: ObjectRef, to: ObjectRef, m?: Record<string, string>) {
      const result = await copy.call(this, from, to, m);
      if (to.key.startsWith("silver/") && to.key.includes(jobOf(first)) && ++copies === 1) {
        reached();
        await released;
      }
      return result;
    });
    const slow = p.runtime.execute(first);
    await stalled;
    const newerFile = salesFile(dir, "mid-2.csv", 602, 15, "2024-11", 3);
    const second = await p.runtime.upload(newerFile, key);
    expect((await p.runtime.execute(second)).status).toBe("SUCCEEDED");
    release();
    expect((await slow).status).toBe("SUCCEEDED");

    expect((await readJob(jobOf(first)))?.status).toBe("SUPERSEDED");
    expect((await readJob(jobOf(second)))?.status).toBe("SUCCESS");
    expect(await silverIds(p, key)).toEqual(await fileIds(newerFile));
    expect(await publishedGold(p, "2024-11-01", "2024-11-30")).toEqual(await expectedGold([newerFile], "2024-11-01", "2024-11-30"));
    await expectNoOrphans(p);
  }, 120_000);

  it("ends an upload older than the committed one SUPERSEDED at extract, changing nothing", async () => {
    const key = "incoming/sales/late.csv";
    const older = await p.runtime.upload(salesFile(dir, "late-1.csv", 301, 10, "2024-08"), key);
    const newerFile = salesFile(dir, "late-2.csv", 302, 10, "2024-08");
    const newer = await p.runtime.upload(newerFile, key);
    expect((await p.runtime.execute(newer)).status).toBe("SUCCEEDED");

    const late = await p.runtime.execute(older);

    expect(late.status).toBe("SUCCEEDED");
    expect(late.output?.extract).toMatchObject({ skipped: true, superseded: true });
    const job = await readJob(jobOf(older));
    expect(job?.status).toBe("SUPERSEDED");
    expect(job?.expires_at).toBeTypeOf("number");
    expect(await historyStatuses(p, jobOf(older))).toEqual(["SUPERSEDED"]);
    expect(await silverIds(p, key)).toEqual(await fileIds(newerFile));
  }, 120_000);

  it("leaves exactly the new file's rows when an upload killed part-way through its commit is followed by a re-upload", async () => {
    const key = "incoming/sales/killed.csv";
    await p.runtime.execute(await p.runtime.upload(salesFile(dir, "killed-0.csv", 400, 30, "2024-09"), key));
    const killed = await p.runtime.upload(salesFile(dir, "killed-1.csv", 401, 30, "2024-09"), key);
    killCommitAfter(jobOf(killed), 2);
    expect((await p.runtime.execute(killed)).status).toBe("FAILED");
    vi.restoreAllMocks();
    // Half committed: two of its files are in silver next to the previous version's.
    expect((await p.keys(LAKE, "silver/")).filter((k) => k.includes(jobOf(killed)))).toHaveLength(2);

    const fixedFile = salesFile(dir, "killed-2.csv", 402, 25, "2024-09");
    const fixed = await p.runtime.upload(fixedFile, key);
    const outcome = await p.runtime.execute(fixed);
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe("SUCCEEDED");

    expect(await silverIds(p, key)).toEqual(await fileIds(fixedFile));
    expect(await publishedGold(p, "2024-09-01", "2024-09-30")).toEqual(await expectedGold([fixedFile], "2024-09-01", "2024-09-30"));
    expect((await readJob(jobOf(killed)))?.status).toBe("FAILED");
    await expectNoOrphans(p);
    // The replaced versions' manifests (the first upload's and the killed one's) went with their objects.
    const sourceId = sourceIdFor({ bucket: RAW, key });
    expect(await p.keys(LAKE, `manifests/sales/${sourceId}/`)).toEqual([`manifests/sales/${sourceId}/${jobOf(fixed)}.json`]);
  }, 120_000);

  it("commits each row once when clean, killed part-way through its commit, runs again for the same job (a redrive)", async () => {
    const handlers = await loadHandlers();
    const key = "incoming/sales/redriven.csv";
    await p.runtime.execute(await p.runtime.upload(salesFile(dir, "redriven-0.csv", 500, 30, "2024-10"), key));
    const file = salesFile(dir, "redriven-1.csv", 501, 30, "2024-10");
    const event = await p.runtime.upload(file, key);
    const jobId = jobOf(event);
    const state: Record<string, unknown> = { ...event };
    state.extract = await handlers.extract({ event, executionId: "arn:aws:states:us-east-1:000000000000:execution:etl-pipeline:redrive", startedAt: new Date().toISOString() });
    killCommitAfter(jobId, 1);
    await expect(handlers.clean(state)).rejects.toThrow(/killed/);
    vi.restoreAllMocks();

    state.clean = await handlers.clean(state);
    state.clean = await handlers.clean(state);
    for (const step of ["aggregate", "load", "archive", "notify"] as const) state[step] = await handlers[step](state);

    expect((await readJob(jobId))?.status).toBe("SUCCESS");
    expect(await silverIds(p, key)).toEqual(await fileIds(file));
    expect(await publishedGold(p, "2024-10-01", "2024-10-31")).toEqual(await expectedGold([file], "2024-10-01", "2024-10-31"));
    await expectNoOrphans(p);
  }, 120_000);
});
