import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etl, lakeView } from "./etl.ts";

const work = mkdtempSync(join(tmpdir(), "etl-replay-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A config of one dataset `orders` whose `status` allows `allowed`, and a daily gold model. */
function config(name: string, allowed: string[]): string {
  const path = join(work, name);
  writeFileSync(
    path,
    `import { defineConfig } from ${JSON.stringify(resolve("core/config/defineConfig.ts"))};
export default defineConfig({
  datasets: [{ name: "orders", match: ["orders*.csv"], columns: {
    order_id: { type: "integer", required: true }, product: { type: "string", required: true },
    status: { type: "string", allowed: ${JSON.stringify(allowed)} },
    quantity: { type: "integer", required: true }, order_date: { type: "date", required: true } },
    dedupKeys: ["order_id"], eventTime: "order_date", maxQuarantinedRatio: 0.9 }],
  gold: [{ name: "daily", dataset: "orders", groupBy: ["order_date"], metrics: [{ name: "orders", fn: "count" }, { name: "units", fn: "sum", column: "quantity" }] }],
});
`,
  );
  return path;
}

type Row = { order_id: number; product: string; status: string; quantity: number; order_date: string };

function csv(name: string, rows: Row[]): string {
  const path = join(work, name);
  writeFileSync(path, ["order_id,product,status,quantity,order_date", ...rows.map((r) => Object.values(r).join(","))].join("\n") + "\n");
  return path;
}

/** Gold computed independently of the pipeline: per day, rows and units of the rows the contract keeps. */
function expectedGold(rows: Row[]) {
  const days = new Map<string, { orders: number; units: number }>();
  for (const r of rows) {
    const d = days.get(r.order_date) ?? { orders: 0, units: 0 };
    d.orders++;
    d.units += r.quantity;
    days.set(r.order_date, d);
  }
  return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([order_date, d]) => ({ order_date, ...d }));
}

function gold(state: string) {
  const out = etl(["query", "SELECT strftime(order_date, '%Y-%m-%d') AS order_date, orders, units FROM gold_daily ORDER BY 1", "--json", "--state-dir", state]);
  expect(out.code).toBe(0);
  return out.json.map((r) => ({ order_date: r.order_date, orders: Number(r.orders), units: Number(r.units) }));
}

const row = (order_id: number, status: string, order_date: string, product = "pen"): Row => ({ order_id, product, status, quantity: order_id, order_date });

describe("etl replay: a contract fixed in the config, applied to a file already processed", () => {
  const state = join(work, "replay");
  const strict = config("strict.ts", ["paid"]);
  const fixed = config("fixed.ts", ["paid", "refunded"]);
  const rows = [row(1, "paid", "2024-03-01"), row(2, "refunded", "2024-03-01"), row(3, "paid", "2024-03-02"), row(4, "refunded", "2024-03-02"), row(5, "paid", "2024-03-02")];
  const file = csv("orders.csv", rows);
  let first: any;
  let firstRecord: string;

  beforeAll(() => {
    const run = etl(["run", file, "--config", strict, "--state-dir", state, "--json"]);
    expect(run.code).toBe(0);
    [first] = run.json;
    firstRecord = etl(["job", first.jobId, "--state-dir", state, "--json"]).stdout;
  });

  it("under the strict contract the refunded rows went to quarantine", () => {
    expect(first).toMatchObject({ status: "SUCCESS", stats: { inputRows: 5, silverRows: 3, quarantinedRows: 2 } });
  });

  it("--dry-run lists the job, dataset, key, version and copy it would replay, and changes nothing", async () => {
    const before = await lakeView(state);
    const jobsBefore = etl(["jobs", "--state-dir", state, "--json"]).stdout;
    const dry = etl(["replay", first.jobId, "--dry-run", "--config", fixed, "--state-dir", state]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^would replay ${first.jobId} {2}orders {2}incoming/orders.csv {2}version \\S+ {2}from bronze\\n$`));
    const json = etl(["replay", first.jobId, "--dry-run", "--json", "--config", fixed, "--state-dir", state]);
    expect(json.json).toEqual([expect.objectContaining({ dryRun: true, replayOf: first.jobId, dataset: "orders", key: "incoming/orders.csv", from: "bronze", wouldEnd: "SUCCESS" })]);
    expect(await lakeView(state)).toEqual(before);
    expect(etl(["jobs", "--state-dir", state, "--json"]).stdout).toBe(jobsBefore);
  }, 60_000);

  it("replay re-processes the file as a new job: silver holds each row once, gold equals an independent computation", async () => {
    const replay = etl(["replay", first.jobId, "--config", fixed, "--state-dir", state, "--json"]);
    expect(replay.code).toBe(0);
    expect(replay.json).toHaveLength(1);
    const [result] = replay.json;
    expect(result).toMatchObject({ status: "SUCCESS", replayOf: first.jobId, dataset: "orders", stats: { inputRows: 5, silverRows: 5, quarantinedRows: 0 } });
    expect(result.jobId).not.toBe(first.jobId);
    // With --json stdout carries only the job line, as for etl run.
    expect(replay.stderr).not.toContain("replaying");

    const lake = await lakeView(state);
    expect(lake.silverRows).toBe(5);
    expect(new Set(lake.silverHashes).size).toBe(5);
    expect(lake.quarantineRows).toBe(0);
    expect(gold(state)).toEqual(expectedGold(rows));

    const jobs = etl(["jobs", "--state-dir", state, "--json"]).json;
    expect(jobs.map((j) => [j.jobId, j.status, j.replayOf])).toEqual([
      [result.jobId, "SUCCESS", first.jobId],
      [first.jobId, "SUCCESS", undefined],
    ]);
    // The replayed job's record is left as it was.
    expect(etl(["job", first.jobId, "--state-dir", state, "--json"]).stdout).toBe(firstRecord);
    expect(etl(["job", result.jobId, "--state-dir", state]).stdout).toContain(`replay of:  ${first.jobId}`);
  }, 120_000);

  it("--dataset replays the newest version of each key (the replay's), and --dataset of an undeclared one exits 2 listing the declared", async () => {
    const dry = etl(["replay", "--dataset", "orders", "--dry-run", "--json", "--config", fixed, "--state-dir", state]);
    expect(dry.code).toBe(0);
    const [latest] = etl(["jobs", "--state-dir", state, "--json"]).json;
    expect(dry.json.map((r) => r.replayOf)).toEqual([latest.jobId]);

    const nosuch = etl(["replay", "--dataset", "nosuch", "--config", fixed, "--state-dir", state]);
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr).toContain("--dataset nosuch is not declared in the config; the datasets are: orders");
  }, 60_000);

  it("an unknown job id exits 2 with a clear message, and changes nothing", () => {
    const out = etl(["replay", "job-nosuch", "--config", fixed, "--state-dir", state]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("etl replay: no job job-nosuch; etl jobs lists them");
    expect(out.stderr).not.toContain("    at ");
  });

  it("a usage mistake exits 2 before anything runs", () => {
    expect(etl(["replay", "--state-dir", state]).code).toBe(2);
    expect(etl(["replay", first.jobId, "--dataset", "orders", "--state-dir", state]).stderr).toContain("not both");
  });
});

describe("etl replay of a file the contract failed: the quality gate, then the config fix", () => {
  const state = join(work, "gate");

  it("the failure's fix names etl replay; the replay succeeds and the upload leaves incoming/", () => {
    const gated = join(work, "gated.ts");
    writeFileSync(gated, readFileSync(config("g.ts", ["paid"]), "utf8").replace("maxQuarantinedRatio: 0.9", "maxQuarantinedRatio: 0.1"));
    const file = csv("orders-gate.csv", [row(1, "paid", "2024-03-01"), row(2, "refunded", "2024-03-01")]);
    const failed = etl(["run", file, "--config", gated, "--state-dir", state, "--json"]);
    expect(failed.code).toBe(1);
    const [job] = failed.json;
    expect(job.error.type).toBe("QualityGateError");
    const shown = etl(["job", job.jobId, "--state-dir", state]);
    expect(shown.stdout).toContain(`or, after fixing etl.config.ts: etl replay ${job.jobId} --state-dir ${state}`);

    const replay = etl(["replay", job.jobId, "--config", config("gf.ts", ["paid", "refunded"]), "--state-dir", state, "--json"]);
    expect(replay.code).toBe(0);
    expect(replay.json[0]).toMatchObject({ status: "SUCCESS", replayOf: job.jobId, stats: { silverRows: 2, quarantinedRows: 0 } });
    expect(existsSync(join(state, "lake", "etl-raw", "incoming", "orders-gate.csv"))).toBe(false);
    expect(existsSync(join(state, "lake", "etl-raw", "archived", "orders-gate.csv"))).toBe(true);
    expect(etl(["job", job.jobId, "--state-dir", state, "--json"]).json[0]).toMatchObject({ status: "FAILED" });
  }, 120_000);
});

/** Every file under a directory whose bytes contain `text`. */
function filesHolding(dir: string, text: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((p) => join(dir, String(p)))
    .filter((p) => statSync(p).isFile() && readFileSync(p).includes(text));
}

describe("etl retract: one source's rows leave silver, quarantine and gold; an erasure removes its raw copies", () => {
  const state = join(work, "retract");
  const cfg = config("retract.ts", ["paid"]);
  const a = [row(1, "paid", "2024-03-01"), row(2, "paid", "2024-03-02")];
  const b = [row(11, "paid", "2024-03-01", "zebrapen"), row(12, "refunded", "2024-03-02", "zebrapen"), row(13, "paid", "2024-03-03", "zebrapen")];
  const c = [row(21, "paid", "2024-03-02"), row(22, "paid", "2024-03-03")];
  const files = { a: csv("orders-a.csv", a), b: csv("orders-b.csv", b), c: csv("orders-c.csv", c) };
  let retract: any;

  beforeAll(() => {
    expect(etl(["run", files.a, files.b, files.c, "--config", cfg, "--state-dir", state]).code).toBe(0);
    const out = etl(["retract", "incoming/orders-b.csv", "--config", cfg, "--state-dir", state, "--json"]);
    expect(out.code).toBe(0);
    [retract] = out.json;
  }, 180_000);

  it("silver and quarantine hold no row of the retracted source; gold equals a computation over the two others", async () => {
    expect(retract).toMatchObject({ status: "SUCCESS", dataset: "orders", retracted: { key: "incoming/orders-b.csv", erased: true } });
    const bySource = etl(["query", "SELECT _source_key AS k, count(*) AS n FROM silver_orders GROUP BY 1 ORDER BY 1", "--json", "--state-dir", state]).json;
    expect(bySource.map((r) => [r.k, Number(r.n)])).toEqual([["incoming/orders-a.csv", 2], ["incoming/orders-c.csv", 2]]);
    expect((await lakeView(state)).quarantineRows).toBe(0);
    expect(gold(state)).toEqual(expectedGold([...a, ...c]));
  });

  it("etl jobs and etl job show the retract job and what it retracted", () => {
    const [latest] = etl(["jobs", "--state-dir", state, "--json"]).json;
    expect(latest).toMatchObject({ jobId: retract.jobId, status: "SUCCESS", retracted: { key: "incoming/orders-b.csv" } });
    expect(etl(["jobs", "--state-dir", state]).stdout).toMatch(new RegExp(`${retract.jobId}\\s+orders\\s+incoming/orders-b.csv {2}\\(retract\\)\\s+SUCCESS`));
    expect(etl(["job", retract.jobId, "--state-dir", state]).stdout).toMatch(/retracted: {2}incoming\/orders-b.csv, the version of job-\w+; raw copies erased/);
  });

  it("the erasure left no copy of the source's bytes anywhere in the state dir: bronze, archive, every version", () => {
    expect(filesHolding(state, "zebrapen")).toEqual([]);
    expect(existsSync(join(state, "lake", "etl-raw", "archived", "orders-a.csv"))).toBe(true);
  });

  it("retracting it again, or an unknown key, exits 2 with a clear message", () => {
    const again = etl(["retract", "orders-b.csv", "--config", cfg, "--state-dir", state]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("incoming/orders-b.csv is already retracted");
    const unknown = etl(["retract", "incoming/nosuch.csv", "--config", cfg, "--state-dir", state]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no rows of incoming/nosuch.csv in the lake");
  });

  it("a new upload of the key after the retract is processed as usual", () => {
    const run = etl(["run", files.b, "--config", cfg, "--state-dir", state, "--json"]);
    expect(run.code).toBe(0);
    expect(run.json[0]).toMatchObject({ status: "SUCCESS", stats: { silverRows: 2, quarantinedRows: 1 } });
    expect(gold(state)).toEqual(expectedGold([...a, ...b.filter((r) => r.status === "paid"), ...c]));
    // The erasure check above can see the bytes: the new upload's copies hold them again.
    expect(filesHolding(state, "zebrapen").length).toBeGreaterThan(0);
  }, 60_000);
});
