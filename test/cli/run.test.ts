import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";

const state = mkdtempSync(join(tmpdir(), "etl-cli-"));
afterAll(() => rmSync(state, { recursive: true, force: true }));

function etl(...args: string[]) {
  const out = spawnSync(process.execPath, ["cli/bin/etl.mjs", "run", ...args], { encoding: "utf8", env: { ...process.env, ETL_LOG_LEVEL: "" } });
  const lines = out.stdout.split("\n").filter(Boolean);
  return { code: out.status, lines, json: lines.map((l) => JSON.parse(l)), stderr: out.stderr };
}

async function count(glob: string): Promise<number> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const rows = (await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${glob}')`)).getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return Number(rows[0].n);
}

describe("etl run --json", () => {
  it("prints one result per job with the documented fields, and the lake as plain files", () => {
    const run = etl("samples/sales.csv", "--json", "--state-dir", state);

    expect(run.code).toBe(0);
    expect(run.json).toHaveLength(1);
    const [job] = run.json;
    expect(Object.keys(job)).toEqual(["jobId", "status", "dataset", "source", "stats", "outputs", "durationMs"]);
    expect(job).toMatchObject({
      status: "SUCCESS",
      dataset: "sales",
      source: { bucket: "etl-raw", key: "incoming/sales.csv" },
      stats: { inputRows: 16, silverRows: 12, duplicateRows: 2, quarantinedRows: 1, droppedRows: 1, goldRows: 21 },
    });
    expect(job.durationMs).toBeGreaterThan(0);
    for (const path of [...job.outputs.silver, ...job.outputs.gold, ...job.outputs.quarantine]) {
      expect(path).toMatch(/^etl-lake\/.+\.parquet$/);
      expect(existsSync(join(state, "lake", path))).toBe(true);
    }
    expect(job.outputs.silver).toHaveLength(3);
    expect(job.outputs.gold).toHaveLength(7);
    expect(job.outputs.quarantine).toHaveLength(1);
    expect(existsSync(join(state, "lake", "etl-raw", "archived", "sales.csv"))).toBe(true);
  });

  it("keeps state between runs: a file under a new key adds its rows, in the order given", async () => {
    const run = etl("test/fixtures/sales-corrected.csv", "test/fixtures/sales-wrong-columns.csv", "--json", "--state-dir", state, "--dataset", "sales");

    expect(run.code).toBe(1);
    expect(run.json.map((j) => [j.source.key, j.status])).toEqual([
      ["incoming/sales-corrected.csv", "SUCCESS"],
      ["incoming/sales-wrong-columns.csv", "FAILED"],
    ]);
    expect(run.json[1].error).toMatchObject({ type: "ContractViolationError", step: "clean" });
    expect(run.json[1].error.message).toContain("sales-wrong-columns.csv");
    expect(await count(join(state, "lake", "etl-lake", "silver", "sales", "**", "*.parquet"))).toBe(14);
    expect(existsSync(join(state, "lake", "etl-raw", "incoming", "sales-wrong-columns.csv"))).toBe(true);
  });

  it("rejects usage errors with exit code 2 before anything runs", () => {
    const fresh = join(state, "untouched");
    expect(etl("samples/sales.csv", "--no-such-flag", "--state-dir", fresh).code).toBe(2);
    const missing = etl("samples/sales.csv", "does-not-exist.csv", "--state-dir", fresh);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("does-not-exist.csv");
    expect(etl("samples/sales.csv", "--key", "elsewhere/x.csv", "--state-dir", fresh).code).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });
});
