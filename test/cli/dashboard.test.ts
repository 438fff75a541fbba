import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const state = mkdtempSync(join(tmpdir(), "etl-dashboard-"));
/** Kept after the run: what the page looked like. */
const ARTIFACTS = join("test", "artifacts");
afterAll(() => rmSync(state, { recursive: true, force: true }));

function etl(...args: string[]) {
  return spawnSync(process.execPath, ["cli/bin/etl.mjs", ...args], { encoding: "utf8", env: { ...process.env, ETL_LOG_LEVEL: "" } });
}

beforeAll(() => {
  expect(etl("run", "samples/sales.csv", "test/fixtures/sales-wrong-columns.csv", "--state-dir", state).status).toBe(1);
}, 120_000);

// Skipped only off CI, where .ci/run installs Debian's chromium: in CI a missing browser fails the test.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("etl dashboard", () => {
  it("writes one self-contained page whose four charts render in headless Chromium without errors", async () => {
    const out = join(state, "dash.html");
    const run = etl("dashboard", "--out", out, "--state-dir", state);
    expect(run.status).toBe(0);
    const html = readFileSync(out, "utf8");
    // No fetch of anything: every script is inline.
    expect(html).not.toMatch(/<script[^>]+src=/);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 1400 } });
      const problems: string[] = [];
      page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && problems.push(`${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      const requests: string[] = [];
      page.on("request", (r) => r.url().startsWith("file:") || requests.push(r.url()));
      await page.goto(pathToFileURL(out).href);
      await page.evaluate(() => (window as unknown as { dashboardReady: Promise<unknown> }).dashboardReady.then(() => true));

      for (const id of ["overview", "daily", "products", "jobs"]) {
        expect(await page.locator(`#${id} svg`).count(), id).toBe(1);
      }
      expect(await page.locator("#products svg .mark-rect path").count()).toBe(6);
      expect(await page.locator("#overview svg").textContent()).toContain("5,876.70");
      expect(await page.locator("#jobs svg .mark-rect path").count()).toBe(2);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
