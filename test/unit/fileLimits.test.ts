import { describe, expect, it } from "vitest";
import { largestFile, LARGEST_FUNCTION, tooLargeMessage } from "../../core/job/fileLimits.ts";
import { FUNCTION_SIZING } from "../../stacks/functionSizing.ts";
import { loadSettings } from "../../core/settings.ts";

const ENV = {
  ETL_RAW_BUCKET: "raw",
  ETL_LAKE_BUCKET: "lake",
  ETL_JOBS_TABLE: "jobs",
  ETL_OUTPUTS_TABLE: "outputs",
  ETL_ALERTS_TOPIC_ARN: "arn:aws:sns:us-east-1:0:t",
  ETL_GLUE_DATABASE: "etl",
};

describe("the largest file a job accepts", () => {
  it("is what clean, the largest function, finishes in half its 15 minutes at the measured throughput, within its /tmp", () => {
    const limit = largestFile();
    expect(FUNCTION_SIZING.clean).toMatchObject({ memory: "3008 MB", timeout: "15 minutes", storage: "10240 MB" });
    expect(limit.bound).toBe("timeout");
    // 1 GB in 226 s on one thread; 3008 MB gives two: 450 s × 8.85 MB/s.
    expect(limit.bytes / 1e9).toBeCloseTo(3.98, 2);
    expect(limit.bytes).toBeLessThan((LARGEST_FUNCTION.storageMb * 1024 ** 2) / 2);
    expect(loadSettings(ENV).ETL_MAX_FILE_BYTES).toBe(limit.bytes);
  });

  it("follows the sizing: a longer-running function is bound by its /tmp", () => {
    const limit = largestFile({ name: "clean", memoryMb: 10240, timeoutSeconds: 900, storageMb: 2048 });
    expect(limit.bound).toBe("storage");
    expect(limit.bytes).toBe(Math.floor((2048 * 1024 ** 2) / 2.5));
  });

  it("is refused with the size, the limit that decides it and what to do", () => {
    const { bytes } = largestFile();
    expect(tooLargeMessage("big.csv", 5e9, bytes)).toBe(
      "big.csv is 5.00 GB (5000000000 bytes), over the 3.98 GB the largest function handles (clean: 3008 MB, 15 minutes, 10240 MB of /tmp): " +
        "at the measured 8.8 MB/s it would need more than half its 15-minute timeout; nothing was processed. " +
        "Split it into files under 3.98 GB and upload those, or raise the sizing (core/job/fileLimits.ts LARGEST_FUNCTION, ETL_MAX_FILE_BYTES)",
    );
  });
});
