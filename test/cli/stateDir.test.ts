import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { etl, etlAsync, lakeView } from "./etl.ts";

// Each test spawns several etl processes; on a loaded 2-core machine one can take 20 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const tmp = mkdtempSync(join(tmpdir(), "etl-state-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A pid that no process has any more. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

describe("state dir safety", () => {
  it("--fresh refuses a directory etl did not create, and leaves every file in it", () => {
    const project = mkdtempSync(join(tmp, "project-"));
    writeFileSync(join(project, "precious.txt"), "keep me");
    const out = etl(["run", join(process.cwd(), "samples/sales.csv"), "--state-dir", ".", "--fresh"], { cwd: project });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("refusing --fresh");
    expect(out.stderr).toContain("not an etl state dir");
    expect(readFileSync(join(project, "precious.txt"), "utf8")).toBe("keep me");
    expect(existsSync(join(project, "emulators"))).toBe(false);
    // Without --fresh the project is refused too: no state is laid over it.
    expect(etl(["run", "samples/sales.csv", "--state-dir", project]).code).toBe(2);
  });

  it("--fresh empties a state dir etl made", async () => {
    const state = join(tmp, "fresh");
    expect(etl(["run", "samples/sales.csv", "--state-dir", state, "--json"]).code).toBe(0);
    expect(etl(["run", "test/fixtures/sales-corrected.csv", "--state-dir", state, "--json", "--dataset", "sales"]).code).toBe(0);
    expect(etl(["jobs", "--state-dir", state, "--json"]).json).toHaveLength(2);
    const again = etl(["run", "samples/sales.csv", "--state-dir", state, "--json", "--fresh"]);
    expect(again.code).toBe(0);
    expect(etl(["jobs", "--state-dir", state, "--json"]).json).toHaveLength(1);
    expect((await lakeView(state)).silverRows).toBe(12);
  });

  it("a writer reclaims the scratch a killed attempt left, and --json keeps stdout to JSON lines even with --verbose", () => {
    const state = join(tmp, "scratch");
    expect(etl(["run", "samples/sales.csv", "--state-dir", state, "--json"], { env: { ETL_FAULT: "kill:clean:1" } }).signal).toBe("SIGKILL");
    mkdirSync(join(state, "scratch", "clean-left-by-a-kill"), { recursive: true });
    writeFileSync(join(state, "scratch", "clean-left-by-a-kill", "part.parquet"), "x");
    const next = etl(["run", "test/fixtures/sales-corrected.csv", "--dataset", "sales", "--state-dir", state, "--json", "--verbose"]);
    expect(next.code).toBe(0);
    expect(readdirSync(join(state, "scratch"))).toEqual([]);
    expect(next.json.map((j) => j.status)).toEqual(["SUCCESS"]);
    expect(next.stderr).toContain('"step":"clean"');
  });

  it("a second writer exits 2 naming the live holder; a dead holder's lock is taken over", () => {
    const state = join(tmp, "locked");
    expect(etl(["run", "samples/sales.csv", "--state-dir", state, "--json"]).code).toBe(0);
    writeFileSync(join(state, "lock"), JSON.stringify({ pid: process.pid, command: "run", since: new Date().toISOString() }));
    const busy = etl(["run", "samples/sales.csv", "--state-dir", state, "--lock-wait", "0.5"]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`in use by pid ${process.pid} (etl run`);
    // A reader never waits: the lock is held by a live process all along.
    const jobs = etl(["jobs", "--state-dir", state, "--json"]);
    expect(jobs.code).toBe(0);
    expect(jobs.json.map((j) => j.status)).toEqual(["SUCCESS"]);

    writeFileSync(join(state, "lock"), JSON.stringify({ pid: deadPid(), command: "run", since: new Date().toISOString() }));
    const taken = etl(["run", "test/fixtures/sales-corrected.csv", "--state-dir", state, "--json", "--dataset", "sales", "--lock-wait", "0"]);
    expect(taken.code).toBe(0);
    expect(existsSync(join(state, "lock"))).toBe(false);
  });

  it("two writers at once on one state dir: the second waits, both jobs succeed, nothing is corrupted", async () => {
    const state = join(tmp, "two");
    const first = etlAsync(["run", "samples/sales.csv", "--state-dir", state, "--json"]);
    const second = etlAsync(["run", "test/fixtures/sales-corrected.csv", "--dataset", "sales", "--state-dir", state, "--json", "--lock-wait", "60"]);
    // While a writer holds the lock, a reader runs at once.
    while (!existsSync(join(state, "lock"))) await new Promise((r) => setTimeout(r, 50));
    const reading = Date.now();
    expect(etl(["jobs", "--state-dir", state, "--json"]).code).toBe(0);
    expect(Date.now() - reading).toBeLessThan(10_000);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stderr + b.stderr).toContain("waiting for pid");
    const jobs = etl(["jobs", "--state-dir", state, "--json"]).json;
    expect(jobs.map((j) => j.status)).toEqual(["SUCCESS", "SUCCESS"]);
    expect((await lakeView(state)).silverRows).toBe(14);
  });

  it("no key breaks later runs: a key that is also a folder, then an ordinary run", async () => {
    const state = join(tmp, "keys");
    const args = ["--state-dir", state, "--json", "--dataset", "sales"];
    expect(etl(["run", "samples/sales.csv", "--key", "incoming/a", ...args]).code).toBe(0);
    expect(etl(["run", "samples/sales.csv", "--key", "incoming/a/b.csv", ...args]).code).toBe(0);
    expect(etl(["run", "samples/sales.csv", "--key", "incoming/x y+z.csv", ...args]).code).toBe(0);
    const later = etl(["run", "samples/sales.csv", "--state-dir", state, "--json"]);
    expect(later.code).toBe(0);
    expect(later.json[0].status).toBe("SUCCESS");
  });
});
