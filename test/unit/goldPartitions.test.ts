import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { GoldModelSchema } from "../../core/config/goldModel.ts";
import { goldPartition, goldWork } from "../../core/gold/goldPartitions.ts";

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
