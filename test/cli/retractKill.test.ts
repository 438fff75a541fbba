import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { etl, journaledJobIds, lakeView } from "./etl.ts";
import { ordersKit } from "./ordersKit.ts";

const { work, config, csv, expectedGold, gold, row, filesHolding } = ordersKit("etl-retract-kill-");

describe("etl retract killed mid-erasure, then redriven", () => {
  const state = join(work, "killed");
  const cfg = config("killed.ts", ["paid"]);

  it("the redrive finishes it: the source's rows and every copy of its bytes are gone, the other file's stay", async () => {
    const a = [row(1, "paid", "2024-03-01")];
    const b = [row(2, "paid", "2024-03-01", "quaggapen"), row(3, "paid", "2024-03-02", "quaggapen")];
    expect(etl(["run", csv("orders-ka.csv", a), csv("orders-kb.csv", b), "--config", cfg, "--state-dir", state]).code).toBe(0);
    // Killed right after the archive step's first object write: the archive record moved, the raw copies not all gone.
    const killed = etl(["retract", "orders-kb.csv", "--config", cfg, "--state-dir", state], { env: { ETL_FAULT: "kill:archive:1" } });
    expect(killed.signal).toBe("SIGKILL");
    const jobId = journaledJobIds(state).at(-1)!;
    const redrive = etl(["redrive", jobId, "--config", cfg, "--state-dir", state, "--json"]);
    expect(redrive.code).toBe(0);
    expect(redrive.json[0]).toMatchObject({ jobId, status: "SUCCESS", retracted: { key: "incoming/orders-kb.csv", erased: true } });
    expect(gold(state)).toEqual(expectedGold(a));
    expect((await lakeView(state)).silverRows).toBe(1);
    expect(filesHolding(state, "quaggapen")).toEqual([]);
  }, 180_000);
});
