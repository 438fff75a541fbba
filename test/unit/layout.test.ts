import { describe, expect, it } from "vitest";
import { ARCHIVED_PREFIX, archivedKey, lake, partitionOf } from "../../core/lake/layout.ts";

describe("layout", () => {
  it("puts the bronze copy under the dataset and job, keeping the file name", () => {
    const key = lake.bronze("sales", "job-abc", "incoming/sales/2024/Jan Sales.csv");

    expect(key).toBe("bronze/sales/job-abc/Jan Sales.csv");
  });

  it("names silver, quarantine, gold, staging and manifest keys", () => {
    const partition = "year=2024/month=01/day=05";

    expect(lake.silverPrefix("sales")).toBe("silver/sales/");
    expect(lake.silver("sales", partition, "job-1", "jan-0123_0.parquet")).toBe("silver/sales/year=2024/month=01/day=05/jan-0123_0-job-1.parquet");
    expect(lake.quarantine("sales", "jan-0123", "job-1")).toBe("quarantine/sales/jan-0123-job-1.parquet");
    expect(lake.gold("daily", partition)).toBe("gold/daily/year=2024/month=01/day=05/part.parquet");
    expect(lake.staged("job-1", lake.gold("daily", partition))).toBe("staging/job-1/gold/daily/year=2024/month=01/day=05/part.parquet");
    expect(lake.stagingPrefix("job-1")).toBe("staging/job-1/");
    expect(lake.sourceManifest("sales", "jan-0123", "job-1")).toBe("manifests/sales/jan-0123/job-1.json");
    expect(lake.jobManifest("job-1", "clean")).toBe("jobs/job-1/clean.json");
  });

  it("archives incoming/ keys under archived/, keeping the rest of the path", () => {
    const key = archivedKey("incoming/sales/2024/a b+c%.csv");

    expect(ARCHIVED_PREFIX).toBe("archived/");
    expect(key).toBe("archived/sales/2024/a b+c%.csv");
  });

  it("archives a key outside incoming/ under archived/ as it is", () => {
    const key = archivedKey("other/x.csv");

    expect(key).toBe("archived/other/x.csv");
  });

  it("reads the zero-padded day partition of a silver key", () => {
    const key = "silver/sales/year=2024/month=01/day=05/jan-0123_0.parquet";

    const partition = partitionOf(key);

    expect(partition).toBe("year=2024/month=01/day=05");
  });

  it("finds no partition in keys without one or with unpadded parts", () => {
    const keys = ["silver/sales/x.parquet", "silver/sales/year=2024/month=1/day=5/x.parquet", "year=2024/month=01/day=05"];

    const partitions = keys.map(partitionOf);

    expect(partitions).toEqual([undefined, undefined, undefined]);
  });

  it("round-trips a gold partition key through partitionOf", () => {
    const partition = "year=1999/month=12/day=31";

    const found = partitionOf(lake.gold("daily", partition));

    expect(found).toBe(partition);
  });
});
