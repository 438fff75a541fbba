import type { Engine } from "../engine/engine.ts";
import { Params, quoteIdent } from "../engine/sql.ts";

/** One flat column of a nested JSON column: its dotted origin and the JSON Pointer that reaches it. */
export type JsonLeaf = { column: string; path: string[] };

/** Objects nest at most this deep, with at most this many keys, before the rest is kept as JSON text. */
const MAX_DEPTH = 5;
const MAX_KEYS = 200;

/** A JSON Pointer (RFC 6901) to a key path: it escapes `~` and `/`, so any key is safe to pass. */
export function jsonPointer(path: readonly string[]): string {
  return path.map((k) => `/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/**
 * The leaves of a JSON column of `table` (which has `__row`), found from the data: every key of
 * every object, in the order first seen, descending into objects. Arrays and scalars are leaves
 * (arrays stay JSON text). A column holding no object at all is its own single leaf, and so is a
 * path that holds objects in some rows and other values in others, so no value is lost.
 */
export async function jsonLeaves(engine: Engine, table: string, column: string, path: string[] = []): Promise<JsonLeaf[]> {
  const params = new Params();
  const value = path.length ? `(${quoteIdent(column)} -> ${params.add(jsonPointer(path))})` : quoteIdent(column);
  const keys = await engine.rows<{ key: string }>(
    `SELECT key FROM (
       SELECT unnest(json_keys(${value})) AS key, generate_subscripts(json_keys(${value}), 1) AS position, __row
       FROM ${table} WHERE json_type(${value}) = 'OBJECT'
     ) GROUP BY key ORDER BY min(__row), min(position), key`,
    params.values,
  );
  if (!keys.length || path.length >= MAX_DEPTH || keys.length > MAX_KEYS) return [{ column, path }];
  // Rows where this path holds a scalar or an array instead of an object keep it in a column of its own.
  const [{ others }] = await engine.rows<{ others: bigint }>(
    `SELECT count(*) AS others FROM ${table} WHERE json_type(${value}) NOT IN ('OBJECT', 'NULL')`,
    params.values,
  );
  const leaves: JsonLeaf[] = others > 0n ? [{ column, path }] : [];
  for (const { key } of keys) leaves.push(...(await jsonLeaves(engine, table, column, [...path, key])));
  return leaves;
}
