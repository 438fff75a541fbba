import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";

describe("the failure path of a file that can never pass", () => {
  let p: TestPipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(() => p.stop());

  async function run(fixture: string, key: string) {
    const event = await p.runtime.upload(`test/fixtures/${fixture}`, key);
    const outcome = await p.runtime.execute(event);
    return { outcome, jobId: jobIdFor(sourceFromEvent(event)) };
  }

  it("fails a file missing its contract's columns at clean, with one alert and nothing written", async () => {
    const { outcome, jobId } = await run("sales-wrong-columns.csv", "incoming/sales-wrong-columns.csv");

    expect(outcome.status).toBe("FAILED");
    expect(outcome.error?.Error).toBe("ContractViolationError");
    const job = await readJob(jobId);
    expect(job?.status).toBe("FAILED");
    expect(job?.error).toMatchObject({ type: "ContractViolationError", step: "clean" });
    expect(job?.error.message).toContain("sales-wrong-columns.csv");
    expect(job?.error.message).toContain("order_id");

    const alerts = await p.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].Subject).toContain("FAILED");
    expect(alerts[0].Message).toMatchObject({ status: "FAILED", jobId, step: "clean", errorType: "ContractViolationError" });
    expect(String(alerts[0].Message.action)).toContain("upload it again");

    expect(await p.keys(RAW, "incoming/")).toEqual(["incoming/sales-wrong-columns.csv"]);
    expect(await p.keys(LAKE, "silver/")).toEqual([]);
    expect(await p.keys(LAKE, "gold/")).toEqual([]);
    expect(await p.keys(LAKE, "quarantine/")).toEqual([]);
    expect(await p.keys(LAKE, "staging/")).toEqual([]);
    // Kept past the 14-day redrive window, counted from the failure.
    expect(job?.expires_at - Date.now() / 1000).toBeGreaterThan(29 * 86400);
  });

  it("fails a spreadsheet uploaded as .csv at extract, naming the file and the format", async () => {
    const { outcome, jobId } = await run("sales-workbook.csv", "incoming/sales-workbook.csv");

    expect(outcome.status).toBe("FAILED");
    const job = await readJob(jobId);
    expect(job?.error).toMatchObject({ type: "UnsupportedFormatError", step: "extract" });
    expect(job?.error.message).toMatch(/sales-workbook\.csv.*ZIP/);
    expect(await p.alerts()).toHaveLength(1);
    expect(await p.keys(RAW, "incoming/")).toContain("incoming/sales-workbook.csv");
    expect(await p.keys(LAKE, `bronze/sales/${jobId}/`)).toEqual([]);
  });

  it("hands the Catch the error as Lambda does: Error is the type, Cause a JSON document", async () => {
    const { outcome } = await run("sales-wrong-columns.csv", "incoming/sales/wrong-columns.csv");
    const cause = JSON.parse(outcome.error!.Cause);
    expect(cause).toMatchObject({ errorType: "ContractViolationError" });
    expect(cause.errorMessage).toContain("lacks column");
    expect(Array.isArray(cause.trace)).toBe(true);
    await p.alerts();
  });
});
