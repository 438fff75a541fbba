import { describe, expect, it } from "vitest";
import { defineConfig, type EtlConfigInput } from "../../core/config/defineConfig.ts";

/** Calls defineConfig with an input typed loosely, as a hand-written etl.config.js would be. */
function errorOf(input: unknown): string {
  try {
    defineConfig(input as EtlConfigInput);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("defineConfig accepted an invalid config");
}

describe("defineConfig", () => {
  it("accepts a valid config and fills in the defaults", () => {
    const input: EtlConfigInput = {
      datasets: [{ name: "sales", match: ["sales/**"], columns: { qty: { type: "integer" }, price: { type: "decimal(18,2)" } } }],
    };

    const config = defineConfig(input);

    const [sales] = config.datasets;
    expect(sales.columns.qty).toEqual({ type: "integer", required: false, nulls: "keep", nullable: true, onViolation: "quarantine" });
    expect(sales.columns.price.type).toBe("decimal(18,2)");
    expect(sales.nullValues).toEqual(["", "NULL", "null", "N/A", "n/a"]);
    expect(sales.schema).toBe("evolve");
    expect(sales.csv).toEqual({});
    expect(sales.dedupKeys).toBeUndefined();
    expect(sales.eventTime).toBeUndefined();
    expect(config.gold).toEqual([]);
    expect(config.alerts).toEqual({ success: "all" });
  });

  it("keeps explicit policies, keys, event time and gold models", () => {
    const input: EtlConfigInput = {
      datasets: [
        {
          name: "orders",
          match: ["orders/*.csv"],
          columns: {
            order_id: { type: "string", required: true, nulls: "drop" },
            qty: { type: "integer", nulls: { fill: 0 } },
            order_date: { type: "date" },
          },
          dedupKeys: ["order_id"],
          eventTime: "order_date",
          nullValues: ["-"],
        },
      ],
      gold: [{ name: "daily", dataset: "orders", groupBy: ["order_date"], metrics: [{ name: "orders", fn: "count" }] }],
      alerts: { email: "ops@example.com" },
    };

    const config = defineConfig(input);

    const [orders] = config.datasets;
    expect(orders.columns.order_id).toEqual({ type: "string", required: true, nulls: "drop", nullable: true, onViolation: "quarantine" });
    expect(orders.columns.qty.nulls).toEqual({ fill: 0 });
    expect(orders.dedupKeys).toEqual(["order_id"]);
    expect(orders.eventTime).toBe("order_date");
    expect(orders.nullValues).toEqual(["-"]);
    expect(config.gold[0].metrics).toEqual([{ name: "orders", fn: "count" }]);
    expect(config.alerts.email).toBe("ops@example.com");
  });

  it("rejects a gold model that does not fit its dataset, saying why", () => {
    const message = errorOf({
      datasets: [{ name: "orders", match: ["*"], columns: { product: { type: "string" }, qty: { type: "integer" } } }],
      gold: [
        { name: "by_day", dataset: "orders", groupBy: ["order_date"], metrics: [{ name: "n", fn: "count" }] },
        { name: "names", dataset: "orders", groupBy: [], metrics: [{ name: "s", fn: "sum", column: "product" }] },
        { name: "other", dataset: "shipments", groupBy: [], metrics: [{ name: "n", fn: "count" }] },
      ],
    });

    expect(message).toContain("Gold model by_day uses column order_date, which dataset orders does not declare");
    expect(message).toContain("Gold model names, metric s: sum needs a number, not VARCHAR");
    expect(message).toContain("Gold model other reads dataset shipments, which is not declared");
  });

  it("checks expressions, ratios and filters against the declared columns before any file arrives", () => {
    const message = errorOf({
      datasets: [{ name: "orders", match: ["*"], columns: { product: { type: "string" }, qty: { type: "integer" }, day: { type: "date" } } }],
      gold: [
        {
          name: "m",
          dataset: "orders",
          where: [{ column: "qty", in: ["two"] }, { column: "day", op: ">=", value: "March" }, { column: "nope", in: [1] }],
          groupBy: [],
          metrics: [
            { name: "a", fn: "sum", expr: "qty * price" },
            { name: "b", fn: "sum", expr: "qty +" },
            { name: "c", fn: "avg", expr: "case when product > 1 then qty end" },
            { name: "d", ratio: { numerator: "a", denominator: "zz" } },
            { name: "e", fn: "sum", column: "qty", expr: "qty" },
          ],
        },
      ],
    });

    expect(message).toContain("metric a: uses column price, which dataset orders does not declare");
    expect(message).toContain('gold.0.metrics.1.expr: Invalid expression "qty +": expected a value at the end');
    expect(message).toContain("metric c: cannot compare VARCHAR with BIGINT");
    expect(message).toContain("Ratio d divides zz, which is not an aggregate metric of this model");
    expect(message).toContain("A metric takes a column or an expr, not both");
    expect(message).toContain('filter value "two" does not fit column qty (BIGINT)');
    expect(message).toContain('filter value "March" does not fit column day (DATE)');
    expect(message).toContain("Gold model m filters on column nope, which dataset orders does not declare");
  });

  it("takes QuickSight as an option, direct query by default, and checks the principal", () => {
    const base = { datasets: [{ name: "orders", match: ["*"] }] };

    expect(defineConfig(base).quicksight).toBeUndefined();
    expect(defineConfig({ ...base, quicksight: { principalArn: "arn:aws:quicksight:eu-west-1:111122223333:user/default/ana" } }).quicksight?.mode).toBe("direct");
    expect(errorOf({ ...base, quicksight: { principalArn: "arn:aws:iam::111122223333:user/ana" } })).toContain("quicksight.principalArn");
  });

  it("accepts the grains and defaults to day", () => {
    const config = defineConfig({
      datasets: [{ name: "orders", match: ["*"], columns: { qty: { type: "integer" } } }],
      gold: [
        { name: "d", dataset: "orders", groupBy: [], metrics: [{ name: "n", fn: "count" }] },
        { name: "y", dataset: "orders", grain: "year", groupBy: [], metrics: [{ name: "n", fn: "sum", expr: "qty * 2" }] },
      ],
    });

    expect(config.gold.map((g) => g.grain)).toEqual(["day", "year"]);
  });

  it("requires the event time and dedup keys to be declared under a frozen or discarding schema", () => {
    const message = errorOf({ datasets: [{ name: "orders", match: ["*"], schema: "discard", eventTime: "placed_at" }] });

    expect(message).toContain("eventTime and dedupKeys must be declared columns");
  });

  it("names the path of a wrong column type", () => {
    const input = { datasets: [{ name: "sales", match: ["sales/**"], columns: { qty: { type: "int" } } }] };

    const message = errorOf(input);

    expect(message).toContain("Invalid ETL config");
    expect(message).toContain("datasets.0.columns.qty.type");
  });

  it("names the path of a misspelled field", () => {
    const input = { datasets: [{ name: "sales", match: ["sales/**"], dedupKey: ["id"] }] };

    const message = errorOf(input);

    expect(message).toContain("datasets.0.dedupKey");
  });

  it("rejects dataset names that are not lower snake_case", () => {
    const input = { datasets: [{ name: "My Sales", match: ["sales/**"] }] };

    const message = errorOf(input);

    expect(message).toContain("datasets.0.name");
    expect(message).toContain("lower snake_case");
  });

  it("rejects a dataset without any glob", () => {
    const input = { datasets: [{ name: "sales", match: [] }] };

    const message = errorOf(input);

    expect(message).toContain("datasets.0.match");
  });

  it("rejects duplicate dataset names", () => {
    const input = {
      datasets: [
        { name: "sales", match: ["a/**"] },
        { name: "sales", match: ["b/**"] },
      ],
    };

    const message = errorOf(input);

    expect(message).toContain("Dataset names must be unique");
  });

  it("rejects duplicate gold model names", () => {
    const metrics = [{ name: "n", fn: "count" }];
    const input = {
      datasets: [{ name: "sales", match: ["a/**"] }],
      gold: [
        { name: "daily", dataset: "sales", groupBy: [], metrics },
        { name: "daily", dataset: "sales", groupBy: [], metrics },
      ],
    };

    const message = errorOf(input);

    expect(message).toContain("Gold model names must be unique");
  });

  it("rejects a metric other than count without a column, naming the metric", () => {
    const input = {
      datasets: [{ name: "sales", match: ["a/**"] }],
      gold: [{ name: "daily", dataset: "sales", groupBy: ["day"], metrics: [{ name: "revenue", fn: "sum" }] }],
    };

    const message = errorOf(input);

    expect(message).toContain("gold.0.metrics.0");
    expect(message).toContain("Every metric but count needs a column");
  });

  it("accepts count without a column", () => {
    const input: EtlConfigInput = {
      datasets: [{ name: "sales", match: ["a/**"] }],
      gold: [{ name: "daily", dataset: "sales", groupBy: [], metrics: [{ name: "rows", fn: "count" }] }],
    };

    const config = defineConfig(input);

    expect(config.gold[0].metrics[0].column).toBeUndefined();
  });

  it("rejects an unknown metric function and a bad alert email", () => {
    const input = {
      datasets: [{ name: "sales", match: ["a/**"] }],
      gold: [{ name: "daily", dataset: "sales", groupBy: [], metrics: [{ name: "m", fn: "median", column: "x" }] }],
      alerts: { email: "not-an-email" },
    };

    const message = errorOf(input);

    expect(message).toContain("gold.0.metrics.0.fn");
    expect(message).toContain("alerts.email");
  });
});
