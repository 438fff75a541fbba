import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GlueClient } from "@aws-sdk/client-glue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GlueCatalog } from "../../core/io/glueCatalog.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { LAKE, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

describe("catalog tables follow the data", () => {
  let p: TestPipeline;
  let dir: string;
  let catalog: GlueCatalog;
  beforeAll(async () => {
    p = await startPipeline();
    dir = mkdtempSync(join(tmpdir(), "catalog-evolution-"));
    catalog = new GlueCatalog(new GlueClient({}), LOCAL_NAMES.glueDatabase);
  });
  afterAll(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, key: string, text: string) {
    const file = join(dir, name);
    writeFileSync(file, text);
    expect((await p.runtime.execute(await p.runtime.upload(file, key))).status).toBe("SUCCEEDED");
  }

  async function parquetColumns(prefix: string) {
    const keys = (await p.keys(LAKE, prefix)).filter((k) => k.endsWith(".parquet"));
    const rows = await p.query<{ name: string; type: string; converted_type: string | null }>(
      LAKE,
      keys,
      "SELECT DISTINCT name, type, converted_type FROM parquet_schema({files}) WHERE num_children IS NULL ORDER BY name",
    );
    return rows.map((r) => [r.name, r.converted_type === "UTF8" ? "string" : r.converted_type === "DATE" ? "date" : r.converted_type?.startsWith("TIMESTAMP") ? "timestamp" : r.type === "INT64" ? "bigint" : r.type.toLowerCase()]);
  }

  it("adds a column an evolving dataset's new file brings, keeping the earlier ones", async () => {
    await run("sales.csv", "incoming/sales.csv", "order_id,customer_name,product,quantity,unit_price,order_date\n1,A,Pen,2,1.5,2024-05-01\n");
    const before = (await catalog.get("silver_sales"))!.columns.map((c) => c.name);

    await run("sales-web.csv", "incoming/sales-web.csv", "order_id,product,quantity,unit_price,order_date,channel\n2,Ink,1,3.5,2024-05-02,web\n");

    const after = (await catalog.get("silver_sales"))!.columns;
    expect(before).not.toContain("channel");
    expect(after.map((c) => c.name)).toEqual(expect.arrayContaining([...before, "channel"]));
    expect(after.find((c) => c.name === "channel")!.type).toBe("string");
  });

  it("creates the tables of a dataset no config declares, typed as its Parquet was written", async () => {
    await run("x.csv", "incoming/orders/x.csv", "id,amount,day_of\n1,2.5,2024-01-02\n2,3,2024-01-03\n");

    const silver = (await catalog.get("silver_orders"))!;
    expect(silver.columns.map((c) => [c.name, c.type]).sort()).toEqual(await parquetColumns("silver/orders/"));
    expect(await catalog.get("quarantine_orders")).toBeDefined();
  });
});
