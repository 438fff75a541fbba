import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const tmp = mkdtempSync(join(tmpdir(), "etl-lock-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function holder(stateDir: string): Promise<number | null> {
  const child = spawn(process.execPath, ["test/cli/fixtures/holdLock.ts", stateDir], { stdio: "inherit" });
  return new Promise((resolve) => child.on("close", (code) => resolve(code)));
}

describe("the state dir's writer lock", () => {
  it("five processes racing for a lock a dead process left: each holds it alone, in turn", async () => {
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
    writeFileSync(join(tmp, "lock"), JSON.stringify({ pid: dead, command: "run", since: new Date().toISOString() }));
    const codes = await Promise.all(Array.from({ length: 5 }, () => holder(tmp)));
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    const log = readFileSync(join(tmp, "holders.log"), "utf8").trim().split("\n");
    expect(log).toHaveLength(10);
    // Strictly alternating take / release of the same pid: never two holders at once.
    for (let i = 0; i < log.length; i += 2) {
      expect(log[i][0]).toBe("+");
      expect(log[i + 1]).toBe(`-${log[i].slice(1)}`);
    }
    expect(existsSync(join(tmp, "lock"))).toBe(false);
  });
});
