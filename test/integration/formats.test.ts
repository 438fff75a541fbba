import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAKE, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";

describe("files in other formats through the whole pipeline", () => {
  let p: TestPipeline;
  const dir = mkdtempSync(join(tmpdir(), "etl-formats-"));
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(file: string, key: string, dataset?: string) {
    const event = await p.runtime.upload(file, key, dataset);
    const outcome = await p.runtime.execute(event);
    const job = await readJob(jobIdFor(sourceFromEvent(event)));
    return { outcome, job };
  }

  it("reads a gzipped CSV and records the compression", async () => {
    const { outcome, job } = await run("test/fixtures/sales.csv.gz", "incoming/sales/march.csv.gz");
    expect(outcome.status).toBe("SUCCEEDED");
    expect(job?.format).toMatchObject({ format: "csv", compression: "gzip", encoding: "utf-8", dialect: { delimiter: ",", header: true } });
    expect(job?.stats).toMatchObject({ inputRows: 16, silverRows: 12 });
  });

  it("reads a Latin-1, semicolon CSV and records the detected encoding and dialect", async () => {
    const { outcome, job } = await run("test/fixtures/dialects/latin1-semicolon.csv", "incoming/prices/de.csv");
    expect(outcome.status).toBe("SUCCEEDED");
    expect(job?.format).toMatchObject({ encoding: "windows-1252", dialect: { delimiter: ";" } });
    expect(job?.columns.map((c: { original: string; name: string }) => `${c.original}→${c.name}`)).toContain("Straße→strasse");
  });

  it("flattens nested JSON into silver columns", async () => {
    const { outcome, job } = await run("test/fixtures/json/orders-nested.json", "incoming/orders/nested.json");
    expect(outcome.status).toBe("SUCCEEDED");
    const rows = await p.query(LAKE, await p.keys(LAKE, "silver/orders/"), "SELECT customer_address_city FROM read_parquet({files}) ORDER BY ALL");
    expect(rows.map((r) => r.customer_address_city)).toEqual(["Lyon", "Paris", null]);
    expect(job?.format).toMatchObject({ format: "json" });
  });

  it("reads Parquet with its own types, whatever the file is called", async () => {
    const file = join(dir, "metrics.bin");
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT i::INTEGER AS n, (i * 1.5)::DOUBLE AS x, (i * 1.5)::DECIMAL(9,2) AS price, TIMESTAMP '2024-05-01 10:00:00' + INTERVAL (i) HOUR AS at FROM range(100) t(i)) TO '${file}' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const { outcome, job } = await run(file, "incoming/metrics/export.csv");
    expect(outcome.status).toBe("SUCCEEDED");
    expect(job?.format).toMatchObject({ format: "parquet" });
    expect(job?.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual(["n:BIGINT", "x:DOUBLE", "price:DECIMAL(9,2)", "at:TIMESTAMPTZ"]);
    expect(job?.stats).toMatchObject({ inputRows: 100, silverRows: 100 });
  });
});
