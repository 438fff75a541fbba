import { describe, expect, it } from "vitest";
import { snsSubject } from "../../core/io/alerts.ts";

describe("snsSubject", () => {
  it("keeps a short ASCII subject as it is", () => {
    const subject = snsSubject("ETL SUCCESS sales: 10/12 rows to silver, 2 quarantined");

    expect(subject).toBe("ETL SUCCESS sales: 10/12 rows to silver, 2 quarantined");
  });

  it("cuts long subjects to 100 characters with an ellipsis", () => {
    const subject = snsSubject(`ETL FAILED sales at clean: ${"x".repeat(200)}`);

    expect(subject).toHaveLength(100);
    expect(subject.endsWith("...")).toBe(true);
    expect(subject.startsWith("ETL FAILED sales at clean: ")).toBe(true);
  });

  it("keeps exactly 100 characters uncut", () => {
    const text = "a".repeat(100);

    const subject = snsSubject(text);

    expect(subject).toBe(text);
  });

  it("folds accents and turns other non-ASCII characters and line breaks into single spaces", () => {
    const subject = snsSubject("ETL FAILED données été ✅ 日本\nline two\ttab");

    expect(subject).toBe("ETL FAILED donnees ete line two tab");
    expect(subject).toMatch(/^[\x20-\x7e]*$/);
  });

  it("stays within 100 printable ASCII characters for long unicode text", () => {
    const text = "é".repeat(150) + "🚨".repeat(50) + "\u0000\u001b[31m";

    const subject = snsSubject(text);

    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]*$/);
  });
});

describe("snsSubject on text with nothing printable", () => {
  it("never returns an empty subject or one starting with a space, which SNS rejects", () => {
    expect(snsSubject("日本 ✅")).toBe("ETL notification");
    expect(snsSubject("  \n ETL x")).toBe("ETL x");
  });
});
