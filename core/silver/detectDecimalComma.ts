import type { Engine } from "../engine/engine.ts";
import { quoteIdent } from "../engine/sql.ts";
import type { SourceColumn } from "./loadSource.ts";

/**
 * Whether a file's numbers use a decimal comma (`1.234,5`), judged from its text columns: some
 * value must have one, and no value may have a dot that can only be a decimal point (`1.5`,
 * `2.25`, `3.14159`). Guessing wrong would change numbers silently (`2.250` read as 2250), so
 * any doubt keeps the dot.
 */
export async function detectDecimalComma(engine: Engine, table: string, columns: readonly SourceColumn[]): Promise<boolean> {
  const text = columns.filter((c) => c.sourceType === "VARCHAR").map((c) => quoteIdent(c.name));
  if (!text.length) return false;
  const comma = text.map((c) => `count_if(regexp_full_match(${c}, '[+-]?[0-9]{1,3}([.][0-9]{3})*,[0-9]+'))`).join(" + ");
  const dot = text.map((c) => `count_if(regexp_full_match(${c}, '[+-]?[0-9]+[.]([0-9]{1,2}|[0-9]{4,})'))`).join(" + ");
  const [{ commas, dots }] = await engine.rows<{ commas: bigint; dots: bigint }>(`SELECT ${comma} AS commas, ${dot} AS dots FROM ${table}`);
  return commas > 0n && dots === 0n;
}
