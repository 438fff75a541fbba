import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { cleanFixture, dataset } from "../helpers/cleanFixture.ts";

const readings = ["id,value", "1,1.5", "2,NaN", "3,Infinity", "4,-inf", "5,2"].join("\n") + "\n";

describe("NaN and Infinity", () => {
  it("quarantines them in a declared double column, naming the rule and the value", async () => {
    const run = await cleanFixture("readings.csv", readings, "csv", dataset({ columns: { value: { type: "double" } }, maxQuarantinedRatio: 1 }));
    try {
      expect((await run.silver("id")).map((r) => r.value)).toEqual([1.5, 2]);
      const q = await run.quarantine();
      expect(q.map((r) => [Number(r._row_number), r._rule, r._value])).toEqual([
        [2, "non_finite", "NaN"],
        [3, "non_finite", "Infinity"],
        [4, "non_finite", "-inf"],
      ]);
      expect(String(q[0]._reason)).toContain("not a finite number");
      expect(run.result.stats).toMatchObject({ inputRows: 5, quarantinedRows: 3, quarantinedShare: 0.6 });
    } finally {
      run.dispose();
    }
  });

  it("keeps them where the column allows them", async () => {
    const run = await cleanFixture("readings.csv", readings, "csv", dataset({ columns: { value: { type: "double", allowNonFinite: true } } }));
    try {
      const values = (await run.silver("id")).map((r) => r.value);
      expect(values.map(String)).toEqual(["1.5", "NaN", "Infinity", "-Infinity", "2"]);
    } finally {
      run.dispose();
    }
  });

  it("quarantines them in a Parquet double column the dataset does not declare", async () => {
    const write = async (path: string) => {
      const db = await DuckDBInstance.create(":memory:");
      const c = await db.connect();
      await c.run(`COPY (SELECT * FROM (VALUES (1, 1.5::DOUBLE), (2, 'nan'::DOUBLE), (3, 3.0::DOUBLE)) t(id, value)) TO '${path}' (FORMAT parquet)`);
      c.closeSync();
      db.closeSync();
    };
    const run = await cleanFixture("readings.parquet", write, "parquet");
    try {
      expect((await run.silver("id")).map((r) => Number(r.id))).toEqual([1, 3]);
      expect((await run.quarantine()).map((r) => r._rule)).toEqual(["non_finite"]);
    } finally {
      run.dispose();
    }
  });
});
