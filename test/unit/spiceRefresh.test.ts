import { describe, expect, it } from "vitest";
import { DEFAULT_REFRESH_MINUTES, quicksightDataSetId, refreshCutoff, SPICE_DAILY_INGESTIONS } from "../../core/catalog/spiceRefresh.ts";

describe("SPICE refresh coalescing", () => {
  it("spaces refreshes so a day of publishes stays within the daily ingestion quota", () => {
    expect(SPICE_DAILY_INGESTIONS * DEFAULT_REFRESH_MINUTES).toBe(24 * 60);
    expect(refreshCutoff(Date.parse("2024-05-07T12:00:00Z"), 45)).toBe(Date.parse("2024-05-07T11:15:00Z"));
  });

  it("names datasets as the stack does", () => {
    expect(quicksightDataSetId("etl-prod", "gold_daily_sales_summary")).toBe("etl-prod-gold_daily_sales_summary");
  });
});
