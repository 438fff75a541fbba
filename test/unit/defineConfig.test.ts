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
    expect(message).toContain("Gold model names: sum of product needs a number, but it is declared string");
    expect(message).toContain("Gold model other reads dataset shipments, which is not declared");
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
