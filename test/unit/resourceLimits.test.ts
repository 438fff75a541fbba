import { createWriteStream } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { classifyError, isTerminal, ResourceLimitError } from "../../core/errors.ts";

/** The error a promise rejects with. */
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("resource limits, as DuckDB and Node report them", () => {
  it("classifies DuckDB hitting its memory_limit as a terminal ResourceLimitError naming the file", async () => {
    const db = await DuckDBInstance.create(":memory:", { memory_limit: "30MB", threads: "1" });
    const conn = await db.connect();
    const error = await failure(conn.run("SELECT string_agg(range::VARCHAR, ',') FROM range(20000000)"));
    conn.closeSync();
    db.closeSync();

    const classified = classifyError(error, { file: "incoming/huge.csv", memoryMb: 512 });

    expect(classified).toBeInstanceOf(ResourceLimitError);
    expect(isTerminal(classified)).toBe(true);
    expect((classified as Error).message).toContain("incoming/huge.csv needs more than the function's 512 MB of memory");
  });

  it("classifies a full disk under DuckDB's writes and Node's as a terminal ResourceLimitError", async () => {
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const duck = await failure(conn.run("COPY (SELECT range FROM range(1000000)) TO '/dev/full' (FORMAT csv)"));
    conn.closeSync();
    db.closeSync();
    const node = await new Promise((resolve) => {
      const out = createWriteStream("/dev/full");
      out.on("error", resolve);
      out.end(Buffer.alloc(4096));
    });

    for (const error of [duck, node]) {
      const classified = classifyError(error, { file: "incoming/huge.csv", scratchDir: "/tmp/etl" });
      expect(classified).toBeInstanceOf(ResourceLimitError);
      expect((classified as Error).message).toContain("incoming/huge.csv needs more disk than the function's ephemeral storage in /tmp/etl");
    }
  });
});
