import { describe, expect, it } from "vitest";
import { jobIdFor, sourceIdFor } from "../../core/job/jobId.ts";

const base = { bucket: "raw-bucket", key: "incoming/sales/2024.csv", etag: '"abc"', sequencer: "0055AED6DCD90281E5" };

describe("jobIdFor", () => {
  it("gives the same job id to the same delivery", () => {
    const first = jobIdFor({ ...base });
    const again = jobIdFor({ ...base });

    expect(again).toBe(first);
    expect(first).toMatch(/^job-[0-9a-f]{20}$/);
  });

  it("gives a new job id to a new sequencer or a new version id", () => {
    const first = jobIdFor(base);

    const nextSequencer = jobIdFor({ ...base, sequencer: "0055AED6DCD90281E6" });
    const versioned = jobIdFor({ ...base, versionId: "v1" });
    const otherVersion = jobIdFor({ ...base, versionId: "v2" });

    expect(new Set([first, nextSequencer, versioned, otherVersion]).size).toBe(4);
  });

  it("prefers the version id over the sequencer", () => {
    const a = jobIdFor({ ...base, versionId: "v1", sequencer: "01" });
    const b = jobIdFor({ ...base, versionId: "v1", sequencer: "02" });

    expect(a).toBe(b);
  });

  it("ignores the ETag and the size: the same bytes uploaded again is told apart by its sequencer", () => {
    const a = jobIdFor({ ...base, etag: '"abc"', size: 10 });
    const b = jobIdFor({ ...base, etag: '"def"', size: 20 });

    expect(a).toBe(b);
  });

  it("differs per bucket and per key", () => {
    const a = jobIdFor(base);
    const b = jobIdFor({ ...base, bucket: "other" });
    const c = jobIdFor({ ...base, key: "incoming/sales/2025.csv" });

    expect(new Set([a, b, c]).size).toBe(3);
  });
});

describe("sourceIdFor", () => {
  it("is stable per bucket and key, whatever the delivery", () => {
    const a = sourceIdFor({ bucket: "raw", key: "incoming/sales/Jan 2024.csv" });
    const b = sourceIdFor({ bucket: "raw", key: "incoming/sales/Jan 2024.csv" });

    expect(a).toBe(b);
    expect(a).toMatch(/^jan_2024-[0-9a-f]{12}$/);
  });

  it("differs for the same file name in another folder or bucket", () => {
    const a = sourceIdFor({ bucket: "raw", key: "incoming/eu/orders.csv" });
    const b = sourceIdFor({ bucket: "raw", key: "incoming/us/orders.csv" });
    const c = sourceIdFor({ bucket: "raw2", key: "incoming/eu/orders.csv" });

    expect(new Set([a, b, c]).size).toBe(3);
  });

  it("uses only characters safe in keys and file names for hostile keys", () => {
    const keys = [
      "incoming/x/'; DROP TABLE x; --.csv",
      "incoming/données été/Ünïcödé 日本.csv",
      "incoming/a+b%20c/{i}*?.csv",
      "incoming/../../etc/passwd",
      "incoming/.csv",
      `incoming/${"long".repeat(50)}.csv`,
    ];

    const ids = keys.map((key) => sourceIdFor({ bucket: "raw", key }));

    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9_]+-[0-9a-f]{12}$/);
      expect(id.length).toBeLessThanOrEqual(53);
    }
    expect(new Set(ids).size).toBe(keys.length);
  });
});
