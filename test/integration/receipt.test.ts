import { statSync } from "node:fs";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { receipt } from "../../core/job/receipt.ts";
import { getServices } from "../../functions/services.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

/** The per-job receipt, as the job record in the (emulated) DynamoDB table holds it after a real run. */
let p: TestPipeline;
beforeAll(async () => {
  p = await startPipeline();
});
afterAll(async () => p?.stop());

describe("the job receipt", () => {
  it("records per step the bytes moved, the data files written and the GB-seconds of its function's memory", async () => {
    const event = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
    expect((await p.runtime.execute(event)).status).toBe("SUCCEEDED");
    const job = (await getServices().jobs.get(jobIdFor(sourceFromEvent(event))))!;
    const size = statSync("samples/sales.csv").size;
    const steps = job.steps!;
    // Clean downloads its bronze copy (the upload's bytes) and reads the dataset's schema
    // documents (JSON under _schemas/, each read when the version is looked up and listed).
    const schemas = await p.s3.send(new ListObjectsV2Command({ Bucket: LOCAL_NAMES.lakeBucket, Prefix: "_schemas/sales/" }));
    const schemaBytes = (schemas.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0);
    expect(schemaBytes).toBeGreaterThan(0);
    const extra = (steps.clean.bytesRead ?? 0) - size;
    expect(extra).toBeGreaterThanOrEqual(0);
    expect(extra % schemaBytes).toBe(0);
    // Clean writes silver and quarantine Parquet (staged); aggregate the gold partitions it staged.
    const silverAndQuarantine = (await p.keys(LOCAL_NAMES.lakeBucket, "silver/sales/")).length + (await p.keys(LOCAL_NAMES.lakeBucket, "quarantine/sales/")).length;
    expect(steps.clean.filesWritten).toBe(silverAndQuarantine);
    expect(steps.aggregate.filesWritten).toBe((await p.keys(LOCAL_NAMES.lakeBucket, "gold/")).length);
    expect(steps.clean.fileBytesWritten).toBeGreaterThan(0);
    // The memory is the deployed function's (no --memory here), and GB-seconds are duration × memory.
    expect(steps.clean.memoryMb).toBe(3008);
    expect(steps.notify.memoryMb).toBe(256);
    for (const s of ["extract", "clean", "aggregate", "load", "archive", "notify"] as const) {
      expect(steps[s].gbSeconds).toBeCloseTo((steps[s].durationMs! / 1000) * (steps[s].memoryMb! / 1024), 3);
    }
    const r = receipt(job);
    expect(r).toMatchObject({ inputRows: 16, silverRows: 12, goldRows: 21 });
    expect(r.filesWritten).toBe(steps.clean.filesWritten! + steps.aggregate.filesWritten!);
    expect(r.averageFileBytes).toBe(Math.round((steps.clean.fileBytesWritten! + steps.aggregate.fileBytesWritten!) / r.filesWritten));
    expect(r.bytesRead).toBeGreaterThanOrEqual(size * 2);
    expect(r.gbSeconds.total).toBeCloseTo(Object.values(r.gbSeconds.byStep).reduce((a, b) => a + b, 0), 3);
    expect(Object.keys(r.gbSeconds.byStep)).toEqual(["extract", "clean", "aggregate", "load", "archive", "notify"]);
  });
});
