import { describe, expect, it } from "vitest";
import { orderingKey, versionOrder } from "../../core/commit/sequencer.ts";

describe("orderingKey", () => {
  it("orders S3 sequencers of different lengths by their hexadecimal value", () => {
    const earlier = "0055AED6DCD90281E5";
    const later = "0055AED6DCD90281E50A"; // longer: a larger number, though "E5" < "E50A" only by length
    const shorterButLarger = "FF";
    expect(orderingKey(earlier) < orderingKey(later)).toBe(true);
    expect(orderingKey(shorterButLarger) < orderingKey(earlier)).toBe(true);
    expect(orderingKey("0a") === orderingKey("A")).toBe(true);
  });

  it("puts a delivery without a sequencer before any sequenced one", () => {
    expect(orderingKey(undefined) < orderingKey("01")).toBe(true);
  });

  it("refuses a sequencer that is not hexadecimal rather than order it wrongly", () => {
    expect(() => orderingKey("12G4")).toThrow(/not hexadecimal/);
  });
});

describe("versionOrder", () => {
  it("puts a retract after the version it retracts (and its replays) and before any later upload of the key", () => {
    const version = { source: { sequencer: "0055AED6DCD90281E5" } };
    const retract = { ...version, retract: { of: "job-x" } };
    const later = { source: { sequencer: "0055AED6DCD90281E6" } };
    const longerLater = { source: { sequencer: "0055AED6DCD90281E500" } };
    expect(versionOrder(version) < versionOrder(retract)).toBe(true);
    expect(versionOrder(retract) < versionOrder(later)).toBe(true);
    expect(versionOrder(retract) < versionOrder(longerLater)).toBe(true);
    // A replay has its version's sequencer: the same place in the order.
    expect(versionOrder({ source: { sequencer: "55AED6DCD90281E5" } })).toBe(versionOrder(version));
  });
});
