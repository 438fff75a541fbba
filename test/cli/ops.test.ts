import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etl } from "./etl.ts";

const tmp = mkdtempSync(join(tmpdir(), "etl-ops-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILE = "samples/sales.csv";

describe("on call: a failure at a step, etl jobs, etl job, etl redrive", () => {
  const state = join(tmp, "oncall");
  let jobId: string;
  let failedRun: ReturnType<typeof etl>;

  beforeAll(() => {
    failedRun = etl(["run", FILE, "--state-dir", state], { env: { ETL_FAULT: "throw:load:Error" } });
    jobId = /\((job-[0-9a-f]+),/.exec(failedRun.stdout)![1];
  });

  it("etl run says which dataset the file matched and why, and a line per completed step with its rows", () => {
    expect(failedRun.code).toBe(1);
    expect(failedRun.stderr).toContain("dataset sales: glob sales*.csv matched sales.csv");
    expect(failedRun.stderr).toMatch(/✔ Clean \d+\.\d s {2}16 rows → 12 silver, 2 duplicates, 1 quarantined, 1 dropped/);
    expect(failedRun.stderr).not.toMatch(/✔ Load/);
    // Without --verbose the steps' logs and metrics stay quiet.
    expect(failedRun.stderr).not.toContain('"level"');
    expect(failedRun.stderr).not.toContain('"_aws"');
  });

  it("etl jobs lists the failed job in a table with its rows and duration", () => {
    const listed = etl(["jobs", "--state-dir", state]);
    expect(listed.code).toBe(0);
    const [head, row] = listed.stdout.trim().split("\n");
    expect(head.split(/\s{2,}/)).toEqual(["JOB", "DATASET", "KEY", "STATUS", "STEP", "ROWS", "DURATION", "STARTED"]);
    expect(row).toMatch(new RegExp(`^${jobId}\\s+sales\\s+incoming/sales.csv\\s+FAILED\\s+\\w+\\s+16\\s+\\d+\\.\\d s\\s+\\d{4}-`));
    expect(listed.stderr).toContain("etl job <JOB>");
  });

  it("etl job shows the steps with timings, the error, whether a redrive helps, and the command that fixes it", () => {
    const shown = etl(["job", jobId, "--state-dir", state]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${jobId}  FAILED`);
    expect(shown.stdout).toMatch(/✔ Clean\s+\d+\.\d s {2}16 rows → 12 silver/);
    expect(shown.stdout).toContain("error:      Error at");
    expect(shown.stdout).toContain("injected by ETL_FAULT");
    expect(shown.stdout).toContain(`fix:       etl redrive ${jobId} --state-dir ${state}`);

    const json = etl(["job", jobId, "--state-dir", state, "--json"]);
    expect(json.json).toHaveLength(1);
    const [detail] = json.json;
    expect(Object.keys(detail)[0]).toBe("jobId");
    expect(detail).toMatchObject({
      jobId,
      status: "FAILED",
      dataset: "sales",
      source: { bucket: "etl-raw", key: "incoming/sales.csv", size: 735 },
      attempts: 1,
      redrives: 0,
      format: { format: "csv", encoding: "utf-8" },
      error: { type: "Error", redrivable: true },
      fix: { command: `etl redrive ${jobId} --state-dir ${state}` },
    });
    expect(detail.steps.clean.durationMs).toBeGreaterThan(0);
    expect(detail.steps.extract.finishedAt >= detail.steps.extract.startedAt).toBe(true);
    expect(detail.outputs.silver.length).toBe(3);
    expect(detail.consoleLink).toContain("console.aws.amazon.com/states");
  });

  it("after etl redrive the job is SUCCESS with one redrive, every step timed once more where it resumed", () => {
    const redrive = etl(["redrive", jobId, "--state-dir", state]);
    expect(redrive.code).toBe(0);
    expect(redrive.stderr).toMatch(/✔ Load \d+\.\d s {2}21 gold rows/);
    expect(redrive.stderr).not.toMatch(/✔ Extract/);
    const [detail] = etl(["job", jobId, "--state-dir", state, "--json"]).json;
    expect(detail).toMatchObject({ status: "SUCCESS", attempts: 2, redrives: 1 });
    expect(detail.fix).toBeUndefined();
    expect(Object.keys(detail.steps)).toEqual(expect.arrayContaining(["extract", "clean", "aggregate", "load", "archive", "notify"]));
    expect(detail.outputs.gold.length).toBeGreaterThan(0);
  });

  it("etl jobs filters by status, dataset and --since", () => {
    expect(etl(["jobs", "--state-dir", state, "--status", "SUCCESS", "--json"]).json.map((j) => j.jobId)).toEqual([jobId]);
    expect(etl(["jobs", "--state-dir", state, "--status", "FAILED", "--json"]).json).toEqual([]);
    expect(etl(["jobs", "--state-dir", state, "--dataset", "other", "--json"]).json).toEqual([]);
    expect(etl(["jobs", "--state-dir", state, "--since", "1h", "--json"]).json).toHaveLength(1);
    expect(etl(["jobs", "--state-dir", state, "--since", "2999-01-01", "--json"]).json).toEqual([]);
    const bad = etl(["jobs", "--state-dir", state, "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("30m, 2h, 7d");
  });

  it("etl job on an unknown id exits 2 and points at etl jobs; a unique prefix finds the job", () => {
    const unknown = etl(["job", "job-nosuch", "--state-dir", state]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`etl jobs --state-dir ${state} lists them`);
    expect(etl(["job", jobId.slice(0, 10), "--state-dir", state, "--json"]).json[0].jobId).toBe(jobId);
  });
});

describe("etl run's dataset explanation and --json", () => {
  it("says when no glob matched and which inferred dataset a key became; --json keeps progress off stdout", () => {
    const state = join(tmp, "inferred");
    const run = etl(["run", FILE, "--key", "incoming/my sales 2024.csv", "--state-dir", state, "--json", "--verbose"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("no glob matched my sales 2024.csv (tried sales*.csv");
    expect(run.stderr).toContain("became inferred dataset my_sales_2024");
    expect(run.json).toMatchObject([{ status: "SUCCESS", dataset: "my_sales_2024" }]);
  });

  it("--verbose: Powertools JSON logs with job id and step on every line, and EMF metrics, all on stderr", () => {
    const run = etl(["run", FILE, "--state-dir", join(tmp, "verbose"), "--json", "--verbose"]);
    const [job] = run.json;
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const logs = lines.filter((l) => l.level);
    expect(logs.length).toBeGreaterThan(6);
    for (const l of logs) expect(l).toMatchObject({ service: "etl", jobId: job.jobId, step: expect.any(String) });
    const emf = lines.filter((l) => l._aws);
    expect(emf.find((m) => m.step === "clean")).toMatchObject({ dataset: "sales", StepDuration: expect.any(Number) });
    expect(emf.find((m) => m.RowsIn !== undefined)).toMatchObject({ RowsIn: 16, SilverRows: 12, QuarantinedRows: 1, DuplicateRows: 2 });
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe("etl");
  });

  it("--memory below what a step needs is a usage error", () => {
    const run = etl(["run", FILE, "--memory", "100", "--state-dir", join(tmp, "mem")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("at least 384");
  });
});

describe("etl check", () => {
  it("writes nothing and predicts the dataset, schema, rows and quarantine that etl run then produces", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "etl-check-cwd-"));
    const file = join(process.cwd(), FILE);
    const checked = etl(["check", file, "--json"], { cwd });
    expect(checked.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const [c] = checked.json;
    expect(c).toMatchObject({ dataset: "sales", match: "glob sales*.csv matched sales.csv", format: { format: "csv", encoding: "utf-8" } });
    expect(c.quarantine).toMatchObject([{ _rule: "type", _column: "quantity", _reason: "quantity: two is not a valid integer" }]);
    expect(c.rows[0]).toHaveProperty("order_date");

    const state = join(tmp, "checked");
    const [run] = etl(["run", FILE, "--state-dir", state, "--json"]).json;
    expect(run.dataset).toBe(c.dataset);
    expect({ ...run.stats, goldRows: 0 }).toEqual({ ...c.stats, goldRows: 0 });
    const [detail] = etl(["job", run.jobId, "--state-dir", state, "--json"]).json;
    expect(detail.columns).toEqual(c.columns);
    rmSync(cwd, { recursive: true, force: true });
  });

  it("names a file that would fail and exits 1; a config typo exits 2 naming the field", () => {
    const bad = etl(["check", "test/fixtures/sales-workbook.csv"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("would fail: UnsupportedFormatError");
    const config = join(tmp, "typo.config.ts");
    writeFileSync(config, `export default { datasets: [{ name: "s", match: ["*.csv"], columns: { id: { type: "integer", requried: true } } }] };\n`);
    const typo = etl(["check", "--config", config]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown option "requried"; did you mean required?');
  });
});
