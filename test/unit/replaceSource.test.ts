import { describe, expect, it } from "vitest";
import { replaceSource } from "../../core/silver/replaceSource.ts";

const march = "silver/sales/year=2024/month=03/day=01/sales-1_0.parquet";
const april = "silver/sales/year=2024/month=04/day=10/sales-1_0.parquet";

describe("replaceSource", () => {
  it("deletes what the earlier upload wrote and this one did not, and recomputes both uploads' days", () => {
    const previous = { jobId: "job-a", silver: [march], quarantine: ["quarantine/sales/sales-1.parquet"], partitions: ["year=2024/month=03/day=01"] };
    const result = replaceSource(previous, "job-b", { silver: [april], quarantine: [] });
    expect(result.stale).toEqual([march, "quarantine/sales/sales-1.parquet"]);
    expect(result.partitions).toEqual(["year=2024/month=03/day=01", "year=2024/month=04/day=10"]);
  });

  it("keeps the replaced upload's days when the same job runs again after writing its manifest", () => {
    const own = { jobId: "job-b", silver: [april], quarantine: [], partitions: ["year=2024/month=03/day=01", "year=2024/month=04/day=10"] };
    const result = replaceSource(own, "job-b", { silver: [april], quarantine: [] });
    expect(result.stale).toEqual([]);
    expect(result.partitions).toEqual(["year=2024/month=03/day=01", "year=2024/month=04/day=10"]);
  });

  it("refuses a silver key without a day partition rather than skip its gold", () => {
    expect(() => replaceSource(undefined, "job-a", { silver: ["silver/sales/year=24/x.parquet"], quarantine: [] })).toThrow(/no year=/);
  });
});
