import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { STEPS } from "../../core/steps.ts";
import { etl, journaledJobIds, lakeView } from "./etl.ts";

// Each test spawns several etl processes; on a loaded 2-core machine one can take 20 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const tmp = mkdtempSync(join(tmpdir(), "etl-redrive-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILE = "samples/sales.csv";
let clean: Awaited<ReturnType<typeof lakeView>>;

beforeAll(async () => {
  const state = join(tmp, "clean");
  expect(etl(["run", FILE, "--state-dir", state, "--json"]).code).toBe(0);
  clean = await lakeView(state);
  expect(clean.silverRows).toBe(12);
});

function jobOf(state: string, jobId: string) {
  return etl(["jobs", "--state-dir", state, "--json"]).json.find((j) => j.jobId === jobId);
}

describe("ETL_FAULT=kill:<step>, then etl redrive <jobId>", () => {
  it.each(STEPS)("killed entering %s: the redrive resumes there and the lake equals a clean run's", async (step) => {
    const state = join(tmp, `kill-${step}`);
    const killed = etl(["run", FILE, "--state-dir", state, "--json"], { env: { ETL_FAULT: `kill:${step}` } });
    expect(killed.signal).toBe("SIGKILL");
    expect(killed.stdout).toBe("");
    const [jobId] = journaledJobIds(state);

    const redrive = etl(["redrive", jobId, "--state-dir", state, "--json"]);
    expect(redrive.stderr).toContain(`interrupted: job ${jobId}`);
    expect(redrive.code).toBe(0);
    expect(redrive.json).toHaveLength(1);
    expect(redrive.json[0]).toMatchObject({ jobId, status: "SUCCESS", stats: { silverRows: 12, goldRows: 21 } });
    // extract is killed before it records the job: the redrive is then its first attempt.
    expect(jobOf(state, jobId)).toMatchObject({ status: "SUCCESS", attempts: step === "extract" ? 1 : 2 });
    expect(await lakeView(state)).toEqual(clean);
    // The state the process died in ran again, and nothing before it did.
    const journal = readFileSync(join(state, "executions", readdirSync(join(state, "executions")).find((f) => f.endsWith(".jsonl"))!), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const afterRedrive = journal.slice(journal.findIndex((e) => e.type === "RedriveStarted"));
    const entered = afterRedrive.filter((e) => e.type === "StateEntered").map((e) => e.state);
    expect(entered[0]).toBe(step[0].toUpperCase() + step.slice(1));
    expect(afterRedrive.at(-1).type).toBe("ExecutionSucceeded");
  });
});

describe("an interrupted job found by the next etl run", () => {
  it("is named on stderr with the command that resumes it, and marked FAILED meanwhile", async () => {
    const state = join(tmp, "named");
    expect(etl(["run", FILE, "--state-dir", state, "--json"], { env: { ETL_FAULT: "kill:load" } }).signal).toBe("SIGKILL");
    const [jobId] = journaledJobIds(state);
    const listed = etl(["jobs", "--state-dir", state, "--json"]);
    expect(listed.json).toMatchObject([{ jobId, status: "RUNNING", interrupted: true }]);
    expect(listed.stderr).toContain(`etl redrive ${jobId} --state-dir ${state}`);
    const next = etl(["run", "test/fixtures/sales-corrected.csv", "--dataset", "sales", "--state-dir", state, "--json"]);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`interrupted: job ${jobId} (incoming/sales.csv) stopped in Load`);
    expect(next.stderr).toContain(`etl redrive ${jobId} --state-dir ${state}`);
    expect(next.json.map((j) => j.status)).toEqual(["SUCCESS"]);
    expect(jobOf(state, jobId)).toMatchObject({ status: "FAILED", error: { type: "ExecutionInterrupted" } });
    expect(etl(["redrive", jobId, "--state-dir", state, "--json"]).json[0]).toMatchObject({ jobId, status: "SUCCESS" });
    expect(jobOf(state, jobId)).toMatchObject({ status: "SUCCESS", attempts: 2 });
  });
});

describe("faults that fail a step", () => {
  it("throw:load:Error fails the job at load; etl run names the redrive; the redrive ends SUCCESS with 2 attempts", async () => {
    const state = join(tmp, "throw-load");
    const failed = etl(["run", FILE, "--state-dir", state], { env: { ETL_FAULT: "throw:load:Error" } });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("Error: injected by ETL_FAULT: Error from load");
    const [jobId] = journaledJobIds(state);
    expect(failed.stdout).toContain(`etl redrive ${jobId} --state-dir ${state}`);
    const redrive = etl(["redrive", jobId, "--state-dir", state, "--json"]);
    expect(redrive.code).toBe(0);
    expect(redrive.json[0]).toMatchObject({ jobId, status: "SUCCESS" });
    expect(jobOf(state, jobId)).toMatchObject({ status: "SUCCESS", attempts: 2 });
    expect(await lakeView(state)).toEqual(clean);
    expect(etl(["redrive", jobId, "--state-dir", state]).stderr).toContain("nothing to redrive");
  });

  it("throw:clean:TransientError:2 is retried by the state machine and the job succeeds", async () => {
    const state = join(tmp, "throw-transient");
    const run = etl(["run", FILE, "--state-dir", state, "--json"], { env: { ETL_FAULT: "throw:clean:TransientError:2" } });
    expect(run.code).toBe(0);
    expect(run.json[0].status).toBe("SUCCESS");
    const journal = readdirSync(join(state, "executions")).filter((f) => f.endsWith(".jsonl"));
    const retries = readFileSync(join(state, "executions", journal[0]), "utf8").split("\n").filter((l) => l.includes('"StateRetried"'));
    expect(retries).toHaveLength(2);
  });

  it("a Catch-path failure is refused by redrive, naming replay", () => {
    const state = join(tmp, "terminal");
    const failed = etl(["run", FILE, "--state-dir", state, "--json"], { env: { ETL_FAULT: "throw:clean:ContractViolationError" } });
    expect(failed.code).toBe(1);
    const [jobId] = journaledJobIds(state);
    const refused = etl(["redrive", jobId, "--state-dir", state]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Catch path");
    expect(refused.stderr).toContain(`etl replay ${jobId}`);
    expect(etl(["redrive", "job-nosuch", "--state-dir", state]).code).toBe(2);
  });

  it("kill:clean:1 (after clean's first object write), then redrive: the lake equals a clean run's", async () => {
    const state = join(tmp, "kill-clean-write");
    const killed = etl(["run", FILE, "--state-dir", state, "--json"], { env: { ETL_FAULT: "kill:clean:1" } });
    expect(killed.signal).toBe("SIGKILL");
    const [jobId] = journaledJobIds(state);
    const redrive = etl(["redrive", jobId, "--state-dir", state, "--json"]);
    expect(redrive.json[0]).toMatchObject({ jobId, status: "SUCCESS" });
    expect(await lakeView(state)).toEqual(clean);
  });

  // Needs part `commit`'s staged silver: until it is merged, the killed attempt's silver file stays.
  it("kill:clean:1, then a re-upload of the key: silver holds exactly the new file's rows", async () => {
    const state = join(tmp, "kill-then-reupload");
    expect(etl(["run", FILE, "--state-dir", state, "--json"], { env: { ETL_FAULT: "kill:clean:1" } }).signal).toBe("SIGKILL");
    const again = etl(["run", "test/fixtures/sales-corrected.csv", "--key", "incoming/sales.csv", "--state-dir", state, "--json"]);
    expect(again.json.at(-1)).toMatchObject({ status: "SUCCESS", stats: { silverRows: 2 } });
    expect((await lakeView(state)).silverRows).toBe(2);
  });
});
