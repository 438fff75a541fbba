import { describe, expect, it } from "vitest";
import { inParallel } from "../../core/inParallel.ts";

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

describe("inParallel", () => {
  it("runs at most 8 at a time, all of them, results in the items' order", async () => {
    let running = 0;
    let peak = 0;
    const items = Array.from({ length: 90 }, (_, i) => i);
    const results = await inParallel(items, async (item, index) => {
      running++;
      peak = Math.max(peak, running);
      // Later items finish first: the order of results must not follow the order of completion.
      for (let t = 0; t < (90 - item) % 5; t++) await tick();
      running--;
      return `${item}:${index}`;
    });
    expect(peak).toBe(8);
    expect(results).toEqual(items.map((i) => `${i}:${i}`));
  });

  it("starts nothing after a failure and throws only once the running items have settled", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = inParallel(Array.from({ length: 30 }, (_, i) => i), async (item) => {
      started.push(item);
      if (item === 2) throw new Error("partition 2 failed");
      await tick();
      await tick();
      finished.push(item);
    });
    await expect(run).rejects.toThrow("partition 2 failed");
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(finished.sort((a, b) => a - b)).toEqual([0, 1, 3, 4, 5, 6, 7]);
  });
});
