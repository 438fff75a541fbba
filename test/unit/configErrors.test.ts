import { describe, expect, it } from "vitest";
import { defineConfig } from "../../core/config/defineConfig.ts";

function error(config: unknown): string {
  try {
    defineConfig(config as Parameters<typeof defineConfig>[0]);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("the config was accepted");
}

describe("config errors name the field and the valid choices", () => {
  it("a misspelt key suggests the key meant and lists the valid ones", () => {
    const message = error({ datasets: [{ name: "sales", match: ["*.csv"], columns: { id: { type: "integer", requried: true } } }] });
    expect(message).toContain('datasets.0.columns.id.requried: unknown option "requried"; did you mean required? (valid: type, required, nulls');
  });

  it("a wrong column type lists the valid types", () => {
    const message = error({ datasets: [{ name: "sales", match: ["*.csv"], columns: { id: { type: "int" } } }] });
    expect(message).toContain('datasets.0.columns.id.type: "int" is not one of string, integer, double, boolean, date, timestamp');
    expect(message).toContain("decimal(18,2)");
  });

  it("a wrong schema mode suggests the one meant", () => {
    expect(error({ datasets: [{ name: "s", match: ["*.csv"], schema: "frozen" }] })).toContain(
      'datasets.0.schema: "frozen" is not one of evolve, freeze, discard; did you mean freeze?',
    );
  });

  it("a dedup key one typo away from a declared column names the config field and the declared columns", () => {
    const message = error({
      datasets: [{ name: "sales", match: ["*.csv"], columns: { order_id: { type: "integer" }, qty: { type: "integer" } }, dedupKeys: ["orderid"] }],
    });
    expect(message).toContain("datasets.0.dedupKeys.0: orderid is not a declared column of sales; did you mean order_id? (declared: order_id, qty)");
  });

  it("a dedup key on a column the files bring (nothing close declared) is still allowed under evolve", () => {
    expect(() => defineConfig({ datasets: [{ name: "s", match: ["*.csv"], columns: { qty: { type: "integer" } }, dedupKeys: ["customer_ref"] }] })).not.toThrow();
  });
});
