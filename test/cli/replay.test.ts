import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { etl, lakeView } from "./etl.ts";
import { ordersKit } from "./ordersKit.ts";

const { work, config, csv, expectedGold, gold, row, filesHolding } = ordersKit("etl-replay-");

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
    // A dry run says what would go and retracts nothing: the retract below still finds the key committed.
    const dry = etl(["retract", "incoming/orders-b.csv", "--dry-run", "--json", "--config", cfg, "--state-dir", state]);
    expect(dry.json).toEqual([expect.objectContaining({ dryRun: true, key: "incoming/orders-b.csv", dataset: "orders", erase: true })]);
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
