import { describe, expect, it } from "vitest";
import type { JobRecord } from "../../core/job/jobRecord.ts";
import { schemaChangeMessage } from "../../core/schema/schemaChangeMessage.ts";

const job = (changes?: { column: string; kind: string; from?: string; to: string }[]) =>
  ({ job_id: "job-1", dataset: "parts", source: { bucket: "raw", key: "incoming/parts/b.csv" }, schema: { version: 3, hash: "h", changes } }) as unknown as JobRecord;

describe("schemaChangeMessage", () => {
  it("announces a type change with the whole diff of the version", () => {
    const m = schemaChangeMessage(job([{ column: "code", kind: "widened", from: "BIGINT", to: "VARCHAR" }, { column: "note", kind: "added", to: "VARCHAR" }]), "lake")!;
    expect(m.subject).toBe("ETL schema of parts is now v3: code widened BIGINT -> VARCHAR, note added VARCHAR");
    expect(m.attributes).toEqual({ event: "SCHEMA_CHANGED", dataset: "parts", version: "3" });
    expect(m.body).toMatchObject({ version: 3, changes: [{ column: "code" }, { column: "note" }], schemaDocument: "s3://lake/_schemas/parts/v3.json" });
  });

  it("stays quiet for a version that only added columns, and for a job that created none", () => {
    expect(schemaChangeMessage(job([{ column: "note", kind: "added", to: "VARCHAR" }]), "lake")).toBeUndefined();
    expect(schemaChangeMessage(job(undefined), "lake")).toBeUndefined();
  });
});
