/**
 * The DuckDB floor: the silver and daily-gold work of the bench config in one process, with no
 * pipeline around it: read the CSV, cast, dedup by order id, write day-partitioned zstd Parquet,
 * compute the daily gold from it. No checks, no quarantine, no hashing, no emulators. DuckDB gets
 * the threads and memory the pipeline's steps get (`engineLimits`).
 *
 *   node bench/floor.ts SALES.csv OUT_DIR    → OUT_DIR/silver, OUT_DIR/gold; prints JSON counts
 */
import { join } from "node:path";
import { Engine } from "../core/engine/engine.ts";
import { engineLimits, functionMemoryMb } from "../core/engine/engineLimits.ts";
import { quoteLiteral } from "../core/engine/sql.ts";
import { PARQUET_FORMAT } from "../core/engine/parquet.ts";

const [csv, out] = process.argv.slice(2);
const day = (column: string) =>
  `strftime(${column}, '%Y') AS year, strftime(${column}, '%m') AS month, strftime(${column}, '%d') AS day`;
// Written as the pipeline writes its Parquet (core/engine/parquet.ts): the floor differs only in work left out.
const partitioned = `${PARQUET_FORMAT}, PARTITION_BY (year, month, day)`;

const engine = await Engine.open({ scratchDir: join(out, "scratch"), ...engineLimits(functionMemoryMb()) });
try {
  const [silver] = await engine.rows<{ Count: bigint }>(
    `COPY (
       SELECT * EXCLUDE (quantity, order_date), COALESCE(quantity, 0) AS quantity, CAST(order_date AS DATE) AS order_date,
              ${day("order_date")}
       FROM read_csv(${quoteLiteral(csv)}, normalize_names = true)
       QUALIFY row_number() OVER (PARTITION BY order_id) = 1
     ) TO ${quoteLiteral(join(out, "silver"))} (${partitioned})`,
  );
  const [gold] = await engine.rows<{ Count: bigint }>(
    `COPY (
       SELECT order_date, count(*) AS orders, CAST(sum(quantity) AS BIGINT) AS units, avg(unit_price) AS avg_unit_price,
              sum(quantity * unit_price) AS revenue,
              ${day("order_date")}
       FROM read_parquet(${quoteLiteral(join(out, "silver", "**", "*.parquet"))})
       GROUP BY order_date
     ) TO ${quoteLiteral(join(out, "gold"))} (${partitioned})`,
  );
  process.stdout.write(`${JSON.stringify({ silverRows: Number(silver.Count), goldRows: Number(gold.Count) })}\n`);
} finally {
  engine.close();
}
