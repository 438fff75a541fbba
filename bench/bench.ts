/**
 * The benchmark: the pipeline's silver + gold chain against a DuckDB floor (read and write the
 * same file, no transforms) and the seed's pandas chain, on the same generated file, in one run.
 * Prints ratios: this machine is shared and absolute times drift.
 *
 *   npm run bench -- [rows=1000000]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { DatasetSchema } from "../core/config/dataset.ts";
import { GoldModelSchema } from "../core/config/goldModel.ts";
import { Engine } from "../core/engine/engine.ts";
import { quoteLiteral } from "../core/engine/sql.ts";
import { buildGold } from "../core/gold/buildGold.ts";
import { cleanFile } from "../core/silver/cleanFile.ts";

const rows = Number(process.argv[2] ?? 1_000_000);
const shared = resolve("../shared/bench");
const dir = mkdtempSync(join(tmpdir(), "etl-bench-"));
const csv = join(dir, "sales.csv");

async function timed<T>(label: string, work: () => Promise<T>): Promise<{ seconds: number; result: T; peakMb: number }> {
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(`${label.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s   ${Math.round(rows / seconds).toLocaleString("en").padStart(11)} rows/s   peak RSS so far ${Math.round(peakMb)} MB`);
  return { seconds, result, peakMb };
}

const dataset = v.parse(DatasetSchema, { name: "sales", match: ["*"], eventTime: "order_date" });
const gold = v.parse(GoldModelSchema, {
  name: "daily_sales",
  dataset: "sales",
  groupBy: ["product"],
  metrics: [
    { name: "units", fn: "sum", column: "quantity" },
    { name: "avg_price", fn: "avg", column: "unit_price" },
  ],
});

try {
  execFileSync(process.execPath, [join(shared, "gen_sales.mjs"), String(rows), csv]);
  console.log(`input: ${rows.toLocaleString("en")} rows, ${(statSync(csv).size / 1e6).toFixed(0)} MB CSV; 2 threads\n`);

  const floor = await timed("duckdb floor (csv → parquet)", async () => {
    const engine = await Engine.open({ scratchDir: join(dir, "floor"), threads: 2 });
    await engine.run(
      `COPY (SELECT * FROM read_csv(${quoteLiteral(csv)})) TO ${quoteLiteral(join(dir, "floor.parquet"))} (FORMAT parquet, COMPRESSION zstd)`,
    );
    engine.close();
  });

  const pipeline = await timed("pipeline silver + gold", async () => {
    const engine = await Engine.open({ scratchDir: join(dir, "pipe"), threads: 2 });
    const silver = await cleanFile(engine, {
      path: csv,
      format: "csv",
      dataset,
      outDir: join(dir, "out"),
      ctx: {
        jobId: "bench",
        sourceKey: "incoming/sales.csv",
        sourceId: "bench",
        processedAt: new Date().toISOString(),
        ingestDate: "2026-01-01",
        fileName: "sales.csv",
      },
    });
    const files = execFileSync("find", [silver.silverDir, "-name", "*.parquet"], { encoding: "utf8" }).trim().split("\n");
    let goldRows = 0;
    for (const f of files) goldRows += await buildGold(engine, gold, [f], join(dir, "gold", `${goldRows}.parquet`));
    engine.close();
    return { ...silver.stats, partitions: files.length, goldRows };
  });
  console.log(`  ${JSON.stringify(pipeline.result)}`);

  const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import pandas"]).status === 0);
  let pandasSeconds: number | undefined;
  if (python && existsSync(join(shared, "seed_pandas.py"))) {
    const pandas = await timed("pandas seed chain (no parquet)", async () => {
      return execFileSync(python, [join(shared, "seed_pandas.py"), csv], { encoding: "utf8" }).trim();
    });
    console.log(`  ${pandas.result}`);
    pandasSeconds = pandas.seconds;
  } else {
    console.log("pandas seed chain                  skipped: apt-get install python3-pandas to compare");
  }

  console.log("\nratios (lower is faster):");
  console.log(`  pipeline / duckdb floor = ${(pipeline.seconds / floor.seconds).toFixed(2)}`);
  if (pandasSeconds) console.log(`  pipeline / pandas       = ${(pipeline.seconds / pandasSeconds).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
