import { describe, expect, it } from "vitest";
import { defineConfig } from "../../core/config/defineConfig.ts";
import { checkInferredCap, explainDataset, matchDataset } from "../../core/config/matchDataset.ts";
import { UnmatchedDatasetError } from "../../core/errors.ts";

function config() {
  return defineConfig({
    datasets: [
      { name: "sales", match: ["sales/**/*.csv", "legacy/sales_*.csv"], columns: { qty: { type: "integer" } } },
      { name: "sales_everything", match: ["sales/**"] },
      { name: "orders_eu", match: ["eu/*/orders.csv"] },
    ],
  });
}

describe("matchDataset", () => {
  it("matches a configured glob below incoming/", () => {
    const cfg = config();

    const dataset = matchDataset(cfg, "incoming/sales/2024/01/day.csv");

    expect(dataset.name).toBe("sales");
    expect(dataset.columns.qty?.type).toBe("integer");
  });

  it("tries every glob of a dataset", () => {
    const cfg = config();

    const dataset = matchDataset(cfg, "incoming/legacy/sales_2019.csv");

    expect(dataset.name).toBe("sales");
  });

  it("lets the first matching dataset win", () => {
    const cfg = config();

    const csv = matchDataset(cfg, "incoming/sales/x.csv");
    const json = matchDataset(cfg, "incoming/sales/x.json");

    expect(csv.name).toBe("sales");
    expect(json.name).toBe("sales_everything");
  });

  it("keeps * within one folder", () => {
    const cfg = config();

    const one = matchDataset(cfg, "incoming/eu/fr/orders.csv");
    const two = matchDataset(cfg, "incoming/eu/fr/paris/orders.csv");

    expect(one.name).toBe("orders_eu");
    expect(two.name).toBe("eu");
  });

  it("infers a dataset named after the first folder when no glob matches", () => {
    const cfg = config();

    const dataset = matchDataset(cfg, "incoming/orders/2024.csv");

    expect(dataset.name).toBe("orders");
    expect(dataset.columns).toEqual({});
    expect(dataset.dedupKeys).toBeUndefined();
    expect(dataset.eventTime).toBeUndefined();
  });

  it("infers a dataset named after the file stem for a file directly under incoming/", () => {
    const cfg = config();

    const plain = matchDataset(cfg, "incoming/My Data.csv");
    const gz = matchDataset(cfg, "incoming/Daily-Export.csv.gz");

    expect(plain.name).toBe("my_data");
    expect(gz.name).toBe("daily_export");
  });

  it("normalizes inferred folder names into valid identifiers", () => {
    const cfg = config();

    const accented = matchDataset(cfg, "incoming/Ventes Été/x.csv");
    const digits = matchDataset(cfg, "incoming/2024/x.csv");
    const symbols = matchDataset(cfg, "incoming/!!!/x.csv");

    expect(accented.name).toBe("ventes_ete");
    expect(digits.name).toBe("d_2024");
    expect(symbols.name).toBe("unnamed");
  });

  it("uses a forced dataset from the config whatever the key", () => {
    const cfg = config();

    const dataset = matchDataset(cfg, "incoming/whatever/file.csv", "sales");

    expect(dataset.name).toBe("sales");
    expect(dataset.columns.qty?.type).toBe("integer");
  });

  it("creates an inferred dataset for a forced name the config does not know", () => {
    const cfg = config();

    const dataset = matchDataset(cfg, "incoming/sales/x.csv", "returns");

    expect(dataset.name).toBe("returns");
    expect(dataset.columns).toEqual({});
  });

  it("turns a forced name from upload metadata into a valid dataset name", () => {
    // The name comes from the uploader (x-amz-meta-etl-dataset): untrusted, like a key.
    const cfg = config();

    const dataset = matchDataset(cfg, "incoming/x.csv", "My Data");

    expect(dataset.name).toBe("my_data");
  });

  it("accepts a key given without the incoming/ prefix", () => {
    const cfg = config();

    const dataset = matchDataset(cfg, "sales/x.csv");

    expect(dataset.name).toBe("sales");
  });
});

describe("unmatched files", () => {
  it("are rejected with UnmatchedDatasetError naming the setting when unmatched is reject", () => {
    const cfg = defineConfig({ datasets: [{ name: "sales", match: ["sales/**"] }], unmatched: "reject" });

    expect(matchDataset(cfg, "incoming/sales/a.csv").name).toBe("sales");
    expect(() => matchDataset(cfg, "incoming/stranger/a.csv")).toThrow(UnmatchedDatasetError);
    expect(() => matchDataset(cfg, "incoming/stranger/a.csv")).toThrow(/unmatched: "reject"/);
    expect(() => matchDataset(cfg, "incoming/a.csv", "forced_name")).toThrow(UnmatchedDatasetError);
  });

  it("may create inferred datasets up to maxInferredDatasets, then fail naming the setting", () => {
    const cfg = defineConfig({ datasets: [{ name: "sales", match: ["sales/**"] }], maxInferredDatasets: 2 });

    expect(cfg.unmatched).toBe("infer");
    expect(() => checkInferredCap(cfg, "b", ["sales", "a"], "incoming/b/x.csv")).not.toThrow();
    expect(() => checkInferredCap(cfg, "a", ["sales", "a", "b"], "incoming/a/x.csv")).not.toThrow();
    expect(() => checkInferredCap(cfg, "sales", ["a", "b"], "incoming/sales/x.csv")).not.toThrow();
    expect(() => checkInferredCap(cfg, "c", ["sales", "a", "b"], "incoming/c/x.csv")).toThrow(/maxInferredDatasets 2/);
  });

  it("defaults to a cap of 50 inferred datasets", () => {
    expect(defineConfig({ datasets: [] }).maxInferredDatasets).toBe(50);
  });
});

describe("explainDataset", () => {
  const cfg = defineConfig({
    datasets: [
      { name: "sales", match: ["sales*.csv", "sales[12].tsv"] },
      { name: "orders", match: ["*.{json,ndjson}"] },
    ],
  });

  it("names the glob that matched", () => {
    expect(explainDataset(cfg, "incoming/sales2.tsv")).toMatchObject({ dataset: { name: "sales" }, glob: "sales[12].tsv", inferred: false });
    expect(explainDataset(cfg, "incoming/x.ndjson").reason).toBe("glob *.{json,ndjson} matched x.ndjson");
  });

  it("says when no glob matched and which inferred dataset the key became", () => {
    const m = explainDataset(cfg, "incoming/my sales 2024.csv");
    expect(m.inferred).toBe(true);
    expect(m.dataset.name).toBe("my_sales_2024");
    expect(m.reason).toBe("no glob matched my sales 2024.csv (tried sales*.csv, sales[12].tsv, *.{json,ndjson}); became inferred dataset my_sales_2024");
  });
});
