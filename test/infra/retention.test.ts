import { describe, expect, it } from "vitest";
import { REDRIVE_WINDOW_DAYS, STAGING_RETENTION_DAYS } from "../../core/job/retention.ts";
import { lakeLifecycle, rawLifecycle, retention } from "../../stacks/retention.ts";

describe("retention", () => {
  it("has the defaults the README states: 30 days of raw versions and bronze, a year of archive, 90 of quarantine, 400 of job history, a 90-day ledger TTL", () => {
    expect(retention({})).toEqual({
      noncurrentVersionDays: 30,
      stagingDays: STAGING_RETENTION_DAYS,
      incompleteUploadDays: 7,
      bronzeDays: 30,
      archivedDays: 365,
      quarantineDays: 90,
      jobHistoryDays: 400,
      jobTtlDays: 90,
    });
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
    // Raw versions stay bounded: every replaced upload would otherwise be billed for good.
    expect(() => retention({ ETL_RETENTION_DAYS: "never" })).toThrow(/ETL_RETENTION_DAYS/);
  });

  it("refuses a bronze retention a redrive could outlive, and takes never", () => {
    expect(() => retention({ ETL_RETENTION_BRONZE_DAYS: "20" })).toThrow(/ETL_RETENTION_BRONZE_DAYS must be .*at least 21 .*redrive.*not 20/);
    expect(retention({ ETL_RETENTION_BRONZE_DAYS: "21" }).bronzeDays).toBe(21);
    expect(retention({ ETL_RETENTION_BRONZE_DAYS: "never" }).bronzeDays).toBeUndefined();
  });

  it("takes any whole number of days or never for the layers no redrive reads", () => {
    const r = retention({ ETL_RETENTION_ARCHIVED_DAYS: "never", ETL_RETENTION_QUARANTINE_DAYS: "7", ETL_RETENTION_JOB_HISTORY_DAYS: "1", ETL_JOB_TTL_DAYS: "30" });
    expect(r).toMatchObject({ archivedDays: undefined, quarantineDays: 7, jobHistoryDays: 1, jobTtlDays: 30 });
    expect(() => retention({ ETL_RETENTION_QUARANTINE_DAYS: "0" })).toThrow(/ETL_RETENTION_QUARANTINE_DAYS .*at least 1, or never, not 0/);
    expect(() => retention({ ETL_RETENTION_JOB_HISTORY_DAYS: "1y" })).toThrow(/ETL_RETENTION_JOB_HISTORY_DAYS/);
    // The ledger TTL is a DynamoDB TTL: a number, never "never".
    expect(() => retention({ ETL_JOB_TTL_DAYS: "never" })).toThrow(/ETL_JOB_TTL_DAYS/);
  });
});

describe("lifecycle rules", () => {
  const keep = retention({
    ETL_RETENTION_DAYS: "45",
    ETL_RETENTION_BRONZE_DAYS: "60",
    ETL_RETENTION_ARCHIVED_DAYS: "180",
    ETL_RETENTION_QUARANTINE_DAYS: "14",
    ETL_RETENTION_JOB_HISTORY_DAYS: "365",
  });
  const expiring = (rules: ReturnType<typeof rawLifecycle>) =>
    Object.fromEntries(rules.filter((r) => r.expiration?.days !== undefined).map((r) => [r.filter.prefix, r.expiration!.days]));

  it("expires raw versions once noncurrent for the retention, with their delete markers, and aborts stale uploads", () => {
    const rules = rawLifecycle(keep);
    expect(rules.find((r) => r.noncurrentVersionExpiration)).toMatchObject({
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: 45 },
      expiration: { expiredObjectDeleteMarker: true },
    });
    expect(rules.find((r) => r.abortIncompleteMultipartUpload)).toMatchObject({ filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } });
  });

  it("expires archived uploads after their retention, never an upload waiting in incoming/", () => {
    expect(expiring(rawLifecycle(keep))).toEqual({ "archived/": 180 });
  });

  it("expires staging, bronze, quarantine and job history in the lake, each after its own retention; never silver or gold", () => {
    expect(expiring(lakeLifecycle(keep))).toEqual({ "staging/": 45, "bronze/": 60, "quarantine/": 14, "job_history/": 365 });
    expect(lakeLifecycle(keep).find((r) => r.abortIncompleteMultipartUpload)?.abortIncompleteMultipartUpload).toEqual({ daysAfterInitiation: 7 });
  });

  it("leaves out the rule of a layer kept for good", () => {
    const forever = retention({ ETL_RETENTION_ARCHIVED_DAYS: "never", ETL_RETENTION_BRONZE_DAYS: "never", ETL_RETENTION_QUARANTINE_DAYS: "never", ETL_RETENTION_JOB_HISTORY_DAYS: "never" });
    expect(expiring(rawLifecycle(forever))).toEqual({});
    expect(expiring(lakeLifecycle(forever))).toEqual({ "staging/": STAGING_RETENTION_DAYS });
  });

  it("gives every rule a unique id", () => {
    for (const rules of [rawLifecycle(keep), lakeLifecycle(keep)]) expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });
});
