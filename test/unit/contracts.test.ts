import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { DatasetSchema } from "../../core/config/dataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { cleanFile } from "../../core/silver/cleanFile.ts";
import { silverContext } from "../helpers/silverContext.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = {
  order_id: { type: "integer", required: true },
  status: { type: "string", allowed: ["paid", "refunded"], nullable: false },
  amount: { type: "double", min: 0, max: 10000 },
  email: { type: "string", pattern: "[^@]+@[^@]+[.][a-z]+" },
  placed_at: { type: "timestamp", timezone: "Europe/Paris" },
  shipped_on: { type: "date", format: "%d/%m/%Y" },
};

/** Cleans the contracts fixture under a dataset config; reads silver and quarantine back independently. */
async function clean(dataset: Record<string, unknown>) {
  dir = mkdtempSync(join(tmpdir(), "etl-contract-"));
  const engine = await Engine.open({ scratchDir: join(dir, "scratch") });
  try {
    const result = await cleanFile(engine, {
      path: "test/fixtures/contracts/orders.csv",
      format: "csv",
      // The fixture breaks a rule on most rows on purpose: these tests are about quarantine, not the gate.
      dataset: v.parse(DatasetSchema, { name: "orders", match: ["*"], maxQuarantinedRatio: 1, ...dataset }),
      outDir: join(dir, "out"),
      ctx: silverContext("orders.csv"),
    });
    const silver = await engine.rows(`SELECT * FROM read_parquet('${result.silverDir}/**/*.parquet', hive_partitioning = false) ORDER BY order_id`);
    const quarantine = result.quarantineFile
      ? await engine.rows(`SELECT * FROM read_parquet('${result.quarantineFile}') ORDER BY _row_number`)
      : [];
    return { result, silver, quarantine };
  } finally {
    engine.close();
  }
}

describe("dataset contracts", () => {
  it("quarantines each row that breaks a rule, naming the rule, the column, the value and why", async () => {
    const { result, silver, quarantine } = await clean({ columns: COLUMNS });

    expect(silver.map((r) => Number(r.order_id))).toEqual([1, 2]);
    expect(quarantine.map((q) => [Number(q._row_number), q._rule, q._column, q._value])).toEqual([
      [3, "allowed", "status", "PAID"],
      [4, "min", "amount", "-3.0"],
      [5, "max", "amount", "99999.0"],
      [6, "not_null", "status", null],
    ]);
    expect(String(quarantine[0]._reason)).toBe(
      "status: PAID is not one of the allowed values; email: carla@example does not match the pattern [^@]+@[^@]+[.][a-z]+",
    );
    // 31/02/2024 is no date: a type violation on the same row as the negative amount.
    expect(String(quarantine[1]._reason)).toContain("shipped_on: 31/02/2024 is not a valid date");
    expect(result.stats).toMatchObject({ inputRows: 6, silverRows: 2, quarantinedRows: 4 });
    expect(result.expectations.filter((e) => e.violations > 0).map((e) => `${e.column}.${e.rule}=${e.violations}`)).toEqual([
      "status.not_null=1",
      "status.allowed=1",
      "amount.min=1",
      "amount.max=1",
      "email.pattern=1",
      "shipped_on.type=1",
    ]);
  });

  it("reads dates in a declared format and local timestamps in a declared zone, stored in UTC", async () => {
    const { silver } = await clean({ columns: COLUMNS });
    expect((silver[0].shipped_on as Date).toISOString()).toBe("2024-03-10T00:00:00.000Z");
    // 09:30 in Paris in March (UTC+1) is 08:30 UTC; 23:30 is 22:30 UTC the same day.
    expect((silver[0].placed_at as Date).toISOString()).toBe("2024-03-10T08:30:00.000Z");
    expect((silver[1].placed_at as Date).toISOString()).toBe("2024-03-10T22:30:00.000Z");
  });

  it("keeps a warned row and counts it", async () => {
    const { result, silver } = await clean({ columns: { ...COLUMNS, amount: { ...COLUMNS.amount, onViolation: "warn" } } });
    expect(silver.map((r) => Number(r.order_id))).toEqual([1, 2, 5]);
    expect(result.expectations.find((e) => e.column === "amount" && e.rule === "max")).toEqual({
      column: "amount",
      rule: "max",
      action: "warn",
      violations: 1,
    });
  });

  it("rejects the whole file when a fail rule is broken, saying which and where", async () => {
    await expect(clean({ columns: { ...COLUMNS, status: { ...COLUMNS.status, onViolation: "fail" } } })).rejects.toMatchObject({
      name: "ContractViolationError",
      message: expect.stringMatching(/orders\.csv breaks rules whose action is fail: status not_null \(1 rows, first at row 6\); status allowed \(1 rows, first at row 3\)/),
    });
  });

  it("drops undeclared columns under the discard schema mode and records them", async () => {
    const { result, silver } = await clean({ columns: COLUMNS, schema: "discard" });
    expect(result.discardedColumns).toEqual(["note"]);
    expect(Object.keys(silver[0])).not.toContain("note");
  });

  it("rejects a file with an undeclared column under the freeze schema mode", async () => {
    await expect(clean({ columns: COLUMNS, schema: "freeze" })).rejects.toMatchObject({
      name: "ContractViolationError",
      message: expect.stringContaining("undeclared column(s) note"),
    });
  });

  it("adds a declared column the file lacks as NULLs under evolve, typed as declared", async () => {
    const { result, silver } = await clean({ columns: { ...COLUMNS, coupon: { type: "string" } } });
    expect(result.columns.find((c) => c.name === "coupon")).toEqual({ original: "coupon", name: "coupon", type: "VARCHAR" });
    expect(silver.every((r) => r.coupon === null)).toBe(true);
  });
});
