import { describe, expect, it } from "vitest";
import { REDRIVE_WINDOW_DAYS, STAGING_RETENTION_DAYS } from "../../core/job/retention.ts";
import { lakeLifecycle, rawLifecycle, retention } from "../../stacks/retention.ts";

describe("retention", () => {
  it("keeps 30 days by default, beyond the 14-day redrive window", () => {
    expect(retention({})).toEqual({ noncurrentVersionDays: 30, stagingDays: STAGING_RETENTION_DAYS, incompleteUploadDays: 7 });
    expect(retention({}).noncurrentVersionDays).toBeGreaterThan(REDRIVE_WINDOW_DAYS);
  });

  it("takes ETL_RETENTION_DAYS, refusing anything inside the redrive window plus margin", () => {
    expect(retention({ ETL_RETENTION_DAYS: "90" }).noncurrentVersionDays).toBe(90);
    // Staging outlives a FAILED job's record, so a redrive never finds its staged outputs gone.
    expect(retention({ ETL_RETENTION_DAYS: "21" }).stagingDays).toBe(STAGING_RETENTION_DAYS);
    expect(retention({ ETL_RETENTION_DAYS: "90" }).stagingDays).toBe(90);
    expect(() => retention({ ETL_RETENTION_DAYS: "14" })).toThrow(/at least 21 .*not 14/);
    expect(() => retention({ ETL_RETENTION_DAYS: "30.5" })).toThrow(/whole number/);
    expect(() => retention({ ETL_RETENTION_DAYS: "a month" })).toThrow(/ETL_RETENTION_DAYS/);
  });
});

describe("lifecycle rules", () => {
  const keep = retention({ ETL_RETENTION_DAYS: "45" });

  it("expires raw versions once noncurrent for the retention, with their delete markers, and aborts stale uploads", () => {
    const rules = rawLifecycle(keep);
    expect(rules.find((r) => r.noncurrentVersionExpiration)).toMatchObject({
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: 45 },
      expiration: { expiredObjectDeleteMarker: true },
    });
    // The current upload itself never expires.
    expect(rules.some((r) => r.expiration?.days !== undefined)).toBe(false);
    expect(rules.find((r) => r.abortIncompleteMultipartUpload)).toMatchObject({ filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } });
  });

  it("expires only staged outputs in the lake, after the retention, and aborts stale uploads", () => {
    const rules = lakeLifecycle(keep);
    const expiring = rules.filter((r) => r.expiration);
    expect(expiring).toEqual([{ id: "expire-staging", status: "Enabled", filter: { prefix: "staging/" }, expiration: { days: 45 } }]);
    expect(rules.find((r) => r.abortIncompleteMultipartUpload)?.abortIncompleteMultipartUpload).toEqual({ daysAfterInitiation: 7 });
  });

  it("gives every rule a unique id", () => {
    for (const rules of [rawLifecycle(keep), lakeLifecycle(keep)]) expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });
});
