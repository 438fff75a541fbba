import type { Dataset } from "../config/dataset.ts";
import type { Engine } from "../engine/engine.ts";
import type { DataFormat } from "../format/sniffFormat.ts";
import { RowCountMismatchError } from "../errors.ts";
import { unaccountedRows, EMPTY_STATS } from "../job/stats.ts";
import { buildSilver, type SilverContext, type SilverResult } from "./buildSilver.ts";
import { loadSource } from "./loadSource.ts";

/**
 * Bronze file → silver and quarantine Parquet on local disk, with the row accounting asserted:
 * a job whose counts do not add up fails rather than lose rows silently.
 */
export async function cleanFile(
  engine: Engine,
  input: { path: string; format: DataFormat; dataset: Dataset; ctx: SilverContext; outDir: string },
): Promise<SilverResult> {
  const columns = await loadSource(engine, { ...input, fileName: input.ctx.fileName, nullValues: input.dataset.nullValues });
  const result = await buildSilver(engine, input.dataset, columns, input.ctx, input.outDir);
  const missing = unaccountedRows({ ...EMPTY_STATS, ...result.stats });
  if (missing !== 0) {
    throw new RowCountMismatchError(
      `${input.ctx.fileName}: ${missing} of ${result.stats.inputRows} rows are not accounted for (${JSON.stringify(result.stats)})`,
    );
  }
  return result;
}
