import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { GoldModelSchema } from "../../core/config/goldModel.ts";
import { daysUnder, goldPartition, goldWork } from "../../core/gold/goldPartitions.ts";

const model = (name: string, grain?: string) =>
  v.parse(GoldModelSchema, { name, dataset: "sales", grain, groupBy: [], metrics: [{ name: "n", fn: "count" }] });

describe("goldWork", () => {
  it("maps the touched days to each grain's partitions, once each, with the silver prefix of all their rows", () => {
    const daily = model("daily");
    const monthly = model("monthly", "month");
    const yearly = model("yearly", "year");
    const days = ["year=2024/month=03/day=01", "year=2024/month=03/day=02", "year=2024/month=04/day=10", "year=2023/month=12/day=31"];

    const work = goldWork([daily, monthly, yearly], days);

    expect(work.map((w) => [w.partition, w.silverPrefix, w.models.map((m) => m.name)])).toEqual([
      ["year=2023", "year=2023/", ["yearly"]],
      ["year=2023/month=12", "year=2023/month=12/", ["monthly"]],
      ["year=2023/month=12/day=31", "year=2023/month=12/day=31/", ["daily"]],
      ["year=2024", "year=2024/", ["yearly"]],
      ["year=2024/month=03", "year=2024/month=03/", ["monthly"]],
      ["year=2024/month=03/day=01", "year=2024/month=03/day=01/", ["daily"]],
      ["year=2024/month=03/day=02", "year=2024/month=03/day=02/", ["daily"]],
      ["year=2024/month=04", "year=2024/month=04/", ["monthly"]],
      ["year=2024/month=04/day=10", "year=2024/month=04/day=10/", ["daily"]],
    ]);
  });

  it("groups models of one grain into one unit, so the silver files are read once", () => {
    const work = goldWork([model("a", "month"), model("b", "month")], ["year=2024/month=03/day=01"]);

    expect(work).toHaveLength(1);
    expect(work[0].models.map((m) => m.name)).toEqual(["a", "b"]);
  });

  it("defaults to the day grain and refuses what is not a day partition", () => {
    expect(goldPartition(model("d").grain, "year=2024/month=03/day=01")).toBe("year=2024/month=03/day=01");
    expect(() => goldPartition("day", "year=2024/month=3/day=1")).toThrow(/Not a day partition/);
    expect(() => goldPartition("month", "../x/y")).toThrow(/Not a day partition/);
  });
});

describe("daysUnder", () => {
  it("lists every calendar day a gold partition's silver may hold, leap days included", () => {
    expect(daysUnder("year=2024/month=03/day=05")).toEqual(["year=2024/month=03/day=05"]);
    const feb = daysUnder("year=2024/month=02");
    expect(feb).toHaveLength(29);
    expect([feb[0], feb.at(-1)]).toEqual(["year=2024/month=02/day=01", "year=2024/month=02/day=29"]);
    expect(daysUnder("year=2023/month=02")).toHaveLength(28);
    const year = daysUnder("year=2024");
    expect(year).toHaveLength(366);
    expect([year[0], year.at(-1)]).toEqual(["year=2024/month=01/day=01", "year=2024/month=12/day=31"]);
    // Each one a day partition, as goldPartition reads them back into the same month and year.
    expect(new Set(year.map((d) => goldPartition("month", d)))).toHaveProperty("size", 12);
  });
});
