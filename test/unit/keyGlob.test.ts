import { describe, expect, it } from "vitest";
import { matchesGlob } from "../../core/config/keyGlob.ts";

describe("matchesGlob (picomatch)", () => {
  it("lets * match within one folder only, dot files included", () => {
    expect(matchesGlob("sales/*.csv", "sales/2024.csv")).toBe(true);
    expect(matchesGlob("sales/*.csv", "sales/.csv")).toBe(true);
    expect(matchesGlob("sales/*.csv", "sales/2024/jan.csv")).toBe(false);
    expect(matchesGlob("sales/*.csv", "other/2024.csv")).toBe(false);
  });

  it("lets ** cross folders and **/ match no folder at all", () => {
    expect(matchesGlob("sales/**", "sales/2024/01/a.csv")).toBe(true);
    expect(matchesGlob("sales/**", "salesforce/a.csv")).toBe(false);
    expect(matchesGlob("sales/**/*.csv", "sales/x.csv")).toBe(true);
    expect(matchesGlob("sales/**/*.csv", "sales/2024/01/x.csv")).toBe(true);
    expect(matchesGlob("**/*.parquet", "a.parquet")).toBe(true);
    expect(matchesGlob("**/*.parquet", "a.parquet.gz")).toBe(false);
  });

  it("takes braces and character classes, which the hand-written matcher never matched", () => {
    expect(matchesGlob("*.{csv,tsv}", "orders.csv")).toBe(true);
    expect(matchesGlob("*.{csv,tsv}", "orders.tsv")).toBe(true);
    expect(matchesGlob("*.{csv,tsv}", "orders.json")).toBe(false);
    expect(matchesGlob("sales[12].csv", "sales1.csv")).toBe(true);
    expect(matchesGlob("sales[12].csv", "sales2.csv")).toBe(true);
    expect(matchesGlob("sales[12].csv", "sales3.csv")).toBe(false);
  });

  it("lets ? match one character but not a slash, and anchors the whole key", () => {
    expect(matchesGlob("day-?.csv", "day-1.csv")).toBe(true);
    expect(matchesGlob("day-?.csv", "day-12.csv")).toBe(false);
    expect(matchesGlob("day-?.csv", "day-/.csv")).toBe(false);
    expect(matchesGlob("orders/*.csv", "x/orders/a.csv")).toBe(false);
    expect(matchesGlob("orders/*.csv", "orders/a.csv.bak")).toBe(false);
    expect(matchesGlob("a.csv", "abcsv")).toBe(false);
  });

  it("matches keys with spaces, parentheses and line breaks", () => {
    expect(matchesGlob("data (v1).csv", "data (v1).csv")).toBe(true);
    expect(matchesGlob("notes/**", "notes/a\nb.csv")).toBe(true);
    expect(matchesGlob("sales*.csv", "my sales 2024.csv")).toBe(false);
  });
});
