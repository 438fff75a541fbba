import { describe, expect, it } from "vitest";
import { globToRegExp } from "../../core/config/globToRegExp.ts";

describe("globToRegExp", () => {
  it("lets * match within one folder only", () => {
    const re = globToRegExp("sales/*.csv");

    expect(re.test("sales/2024.csv")).toBe(true);
    expect(re.test("sales/.csv")).toBe(true);
    expect(re.test("sales/2024/jan.csv")).toBe(false);
    expect(re.test("other/2024.csv")).toBe(false);
  });

  it("lets ** cross folders", () => {
    const re = globToRegExp("sales/**");

    expect(re.test("sales/a.csv")).toBe(true);
    expect(re.test("sales/2024/01/a.csv")).toBe(true);
    expect(re.test("salesforce/a.csv")).toBe(false);
  });

  it("lets **/ match zero or more folders", () => {
    const re = globToRegExp("sales/**/*.csv");

    expect(re.test("sales/x.csv")).toBe(true);
    expect(re.test("sales/2024/x.csv")).toBe(true);
    expect(re.test("sales/2024/01/x.csv")).toBe(true);
    expect(re.test("sales/2024/x.json")).toBe(false);
  });

  it("lets a leading **/ match files at the top level too", () => {
    const re = globToRegExp("**/*.parquet");

    expect(re.test("a.parquet")).toBe(true);
    expect(re.test("deep/er/a.parquet")).toBe(true);
    expect(re.test("a.parquet.gz")).toBe(false);
  });

  it("lets ? match exactly one character but not a slash", () => {
    const re = globToRegExp("day-?.csv");

    expect(re.test("day-1.csv")).toBe(true);
    expect(re.test("day-12.csv")).toBe(false);
    expect(re.test("day-/.csv")).toBe(false);
  });

  it("treats regex metacharacters in globs literally", () => {
    const re = globToRegExp("data (v1)+[x]{2}$^|a.b\\c.csv");

    expect(re.test("data (v1)+[x]{2}$^|a.b\\c.csv")).toBe(true);
    expect(re.test("data v1+x2a.bc.csv")).toBe(false);
    expect(globToRegExp("a.csv").test("abcsv")).toBe(false);
  });

  it("anchors the whole key", () => {
    const re = globToRegExp("orders/*.csv");

    expect(re.test("x/orders/a.csv")).toBe(false);
    expect(re.test("orders/a.csv.bak")).toBe(false);
  });

  it("matches keys that contain line breaks like any other character", () => {
    const re = globToRegExp("notes/**");

    expect(re.test("notes/a\nb.csv")).toBe(true);
  });
});
