import { join } from "node:path";
import { Engine } from "../core/engine/engine.ts";
import { quoteLiteral } from "../core/engine/sql.ts";
import { LOCAL_NAMES } from "../local/localEnv.ts";

/** Whether the pipeline's lake holds what the floor computed, and the numbers compared. */
export type LakeCheck = { ok: boolean; lines: string[] };

const parquet = (dir: string) => `read_parquet(${quoteLiteral(join(dir, "**", "*.parquet"))})`;

/**
 * Compares the lake `etl run` left (silver and gold as plain files under `<state-dir>/lake`) with
 * the floor's output, with DuckDB reading both: the silver row count, distinct order ids and
 * units, then the daily gold day by day (orders and units exactly, the average price to 1e-9, the
 * revenue to a relative 1e-9: sums of doubles differ in their last bits with the order of addition).
 */
export async function lakeCheck(scratchDir: string, stateDir: string, floorDir: string, dataset: string, model: string): Promise<LakeCheck> {
  const lake = join(stateDir, "lake", LOCAL_NAMES.lakeBucket);
  const engine = await Engine.open({ scratchDir });
  try {
    const silver = async (dir: string) =>
      (
        await engine.rows<{ n: bigint; ids: bigint; units: bigint }>(
          `SELECT count(*) AS n, count(DISTINCT order_id) AS ids, sum(quantity) AS units FROM ${parquet(dir)}`,
        )
      )[0];
    const pipe = await silver(join(lake, "silver", dataset));
    const floor = await silver(join(floorDir, "silver"));
    const [gold] = await engine.rows<{ days: bigint; pipe_days: bigint; differing: bigint; orders: bigint; units: bigint; revenue: number }>(
      `SELECT count(*) AS days, count(p.order_date) AS pipe_days,
              count(*) FILTER (WHERE p.order_date IS NULL OR f.order_date IS NULL OR p.orders <> f.orders OR p.units <> f.units
                               OR abs(p.avg_unit_price - f.avg_unit_price) > 1e-9
                               OR abs(p.revenue - f.revenue) > 1e-9 * abs(f.revenue)) AS differing,
              sum(p.orders) AS orders, sum(p.units) AS units, sum(p.revenue) AS revenue
       FROM ${parquet(join(lake, "gold", model))} p FULL JOIN ${parquet(join(floorDir, "gold"))} f ON p.order_date = f.order_date`,
    );
    const silverOk = pipe.n === floor.n && pipe.ids === floor.ids && pipe.units === floor.units;
    const goldOk = gold.differing === 0n && gold.days > 0n;
    const mark = (ok: boolean) => (ok ? "equal" : "DIFFERENT");
    return {
      ok: silverOk && goldOk,
      lines: [
        `silver: ${pipe.n.toLocaleString("en")} rows, ${pipe.ids.toLocaleString("en")} order ids, ${pipe.units.toLocaleString("en")} units; floor ${floor.n.toLocaleString("en")} / ${floor.ids.toLocaleString("en")} / ${floor.units.toLocaleString("en")}: ${mark(silverOk)}`,
        `gold:   ${gold.pipe_days} days, ${(gold.orders ?? 0n).toLocaleString("en")} orders, ${(gold.units ?? 0n).toLocaleString("en")} units, revenue ${Math.round(gold.revenue ?? 0).toLocaleString("en")}; ${gold.differing} of ${gold.days} days differ from the floor: ${mark(goldOk)}`,
      ],
    };
  } finally {
    engine.close();
  }
}
