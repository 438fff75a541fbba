/**
 * Issue 7 end to end: through the state machine and the emulators, a fully quarantined file is
 * FAILED (QualityGateError) with nothing in silver, a preamble is recorded in the job, NaN and Infinity never reach gold, and a
 * stranger's folder cannot create datasets past maxInferredDatasets.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineConfig } from "../../core/config/defineConfig.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

describe("silver guards through the pipeline", () => {
  let p: TestPipeline;
  const dir = mkdtempSync(join(tmpdir(), "etl-guards-"));
  beforeAll(async () => {
    p = await startPipeline({
      config: defineConfig({
        datasets: [
          { name: "orders", match: ["orders/**"], columns: { order_id: { type: "integer" } } },
          { name: "readings", match: ["readings/**"], columns: { value: { type: "double" }, read_on: { type: "date" } }, eventTime: "read_on" },
        ],
        gold: [
          {
            name: "readings_daily",
            dataset: "readings",
            groupBy: [],
            metrics: [
              { name: "avg_value", fn: "avg", column: "value" },
              { name: "max_value", fn: "max", column: "value" },
            ],
          },
        ],
        maxInferredDatasets: 1,
      }),
    });
  });
  afterAll(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, text: string, key: string) {
    const file = join(dir, name);
    writeFileSync(file, text);
    const event = await p.runtime.upload(file, key);
    const outcome = await p.runtime.execute(event);
    return { outcome, job: await readJob(jobIdFor(sourceFromEvent(event))) };
  }

  it("fails a fully quarantined file as QualityGateError, publishes nothing and keeps the upload", async () => {
    const text = ["order_id,qty", ...Array.from({ length: 50 }, (_, i) => `ORD-${i + 1},${i}`)].join("\n") + "\n";

    const { job } = await run("orders.csv", text, "incoming/orders/orders.csv");

    expect(job?.status).toBe("FAILED");
    expect(job?.error).toMatchObject({ type: "QualityGateError", step: "clean" });
    expect(job?.error.message).toContain("50 of 50 rows (100.0%) were quarantined");
    expect(await p.keys(LAKE, "silver/orders/")).toEqual([]);
    expect(await p.keys(RAW, "incoming/orders/")).toEqual(["incoming/orders/orders.csv"]);
  });

  it("keeps NaN and Infinity out of gold: quarantined as non_finite, avg and max stay numbers", async () => {
    const text = "read_on,value\n2024-02-01,1.5\n2024-02-01,NaN\n2024-02-01,Infinity\n2024-02-01,2.5\n2024-02-01,-inf\n2024-02-01,2\n";

    const { job } = await run("readings.csv", text, "incoming/readings/readings.csv");

    expect(job?.status).toBe("SUCCESS");
    expect(job?.stats).toMatchObject({ inputRows: 6, silverRows: 3, quarantinedRows: 3 });
    const [gold] = await p.query<{ avg_value: number; max_value: number }>(LAKE, await p.keys(LAKE, "gold/readings_daily/"), "SELECT * FROM read_parquet({files})");
    expect([gold.avg_value, gold.max_value]).toEqual([2, 2.5]);
  });

  it("records skipped preamble lines in the job", async () => {
    const { job } = await run("notes.csv", "Export of 2024-04-01\n\nid,v\n1,a\n2,b\n", "incoming/notes/notes.csv");

    expect(job?.status).toBe("SUCCESS");
    expect(job?.stats).toMatchObject({ inputRows: 2, silverRows: 2 });
    expect(job?.skippedLines).toEqual({ count: 2, first: [{ line: 1, text: "Export of 2024-04-01" }, { line: 2, text: "" }] });
    expect(job?.schema).toMatchObject({ version: 1 });
  });

  it("fails a file that would create one inferred dataset more than maxInferredDatasets", async () => {
    const { job } = await run("x.csv", "id,v\n1,a\n", "incoming/strangers/x.csv");

    expect(job?.status).toBe("FAILED");
    expect(job?.error).toMatchObject({ type: "UnmatchedDatasetError" });
    expect(job?.error.message).toContain("maxInferredDatasets 1");
  });
});
