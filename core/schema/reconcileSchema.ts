import type { SchemaChange, SchemaColumn, SchemaDocument } from "./schemaDocument.ts";
import { schemaHash } from "./schemaDocument.ts";

/** A file's column as resolved on its own: its type, its text layout, and whether the config declares it. */
export type FileColumn = { name: string; type: string; format?: string; declared: boolean };

/** How a file's columns are read against the stored schema. */
export type Reconciled = {
  /** The type (and layout) each file column is cast to: the stored one, or its widened form. */
  types: Map<string, { type: string; format?: string }>;
  /** The next version when this file changes the schema (or founds it), else undefined. */
  next?: SchemaDocument;
  /** Columns whose values must fit a stored type they do not fit as a whole (their misfits are quarantined). */
  held: { column: string; stored: string; found: string }[];
};

/** The policy of a dataset: its schema mode, and whether inferred columns may widen to text. */
export type SchemaPolicy = { mode: "evolve" | "freeze" | "discard"; widenToString: boolean };

/**
 * Whether values of type `from` are exactly representable as `to`: the only paths along which a
 * column's type may widen (integer → decimal or double, decimal → double, date → timestamp).
 * Widening to text is separate: it loses a column's type, so the dataset must allow it.
 */
export function widens(from: string, to: string): boolean {
  if (from === to) return true;
  if (from === "BIGINT") return to === "DOUBLE" || /^DECIMAL\(/.test(to);
  if (/^DECIMAL\(/.test(from)) return to === "DOUBLE";
  return from === "DATE" && to === "TIMESTAMPTZ";
}

/**
 * Reads a file's columns against its dataset's stored schema (docs/design.md decision 13). The first
 * file founds version 1. Later, a column keeps its stored type when the file's values fit it (a
 * file of integers in a double column is cast to double); a column whose values need a wider type
 * widens along `widens` or, for an inferred column when the dataset allows it, to text, which
 * makes a new version; otherwise (a declared column, `freeze`/`discard`, a type with no safe path)
 * the stored type holds and the values that do not fit are quarantined by the type check. Declared
 * types come from the config: a config change redeclares. New columns are added (`evolve`).
 */
export function reconcileSchema(
  dataset: string,
  stored: SchemaDocument | undefined,
  file: readonly FileColumn[],
  policy: SchemaPolicy,
): Reconciled {
  const types = new Map<string, { type: string; format?: string }>();
  const held: Reconciled["held"] = [];
  const changes: SchemaChange[] = [];
  const columns: SchemaColumn[] = stored ? stored.columns.map((c) => ({ ...c })) : [];
  const byName = new Map(columns.map((c) => [c.name, c]));

  for (const col of file) {
    const own = { name: col.name, type: col.type, declared: col.declared, ...(col.format ? { format: col.format } : {}) };
    const known = byName.get(col.name);
    if (!known) {
      columns.push(own);
      byName.set(col.name, own);
      if (stored) changes.push({ column: col.name, kind: "added", to: col.type });
      types.set(col.name, { type: col.type, format: col.format });
      continue;
    }
    if (col.declared) {
      // The config is the contract: its type wins over what was stored.
      if (known.type !== col.type || !known.declared) {
        changes.push({ column: col.name, kind: "redeclared", from: known.type, to: col.type });
        Object.assign(known, own);
      }
      types.set(col.name, { type: col.type, format: col.format });
      continue;
    }
    // A text layout is the file's own (one file writes 31/01/2024, another 2024-01-31): only types are shared.
    if (col.type === known.type) {
      types.set(col.name, { type: known.type, format: col.format });
      continue;
    }
    if (widens(col.type, known.type) || known.type === "VARCHAR") {
      // The file's values fit the stored type: read them as it.
      types.set(col.name, { type: known.type });
      continue;
    }
    const path = widens(known.type, col.type) ? col.type : policy.widenToString && !known.declared ? "VARCHAR" : undefined;
    if (path && policy.mode === "evolve") {
      changes.push({ column: col.name, kind: "widened", from: known.type, to: path });
      known.type = path;
      delete known.format;
      types.set(col.name, { type: path, format: path === col.type ? col.format : undefined });
      continue;
    }
    held.push({ column: col.name, stored: known.type, found: col.type });
    types.set(col.name, { type: known.type });
  }

  const changed = !stored || changes.length > 0;
  const next = changed
    ? { dataset, version: (stored?.version ?? 0) + 1, hash: schemaHash(columns), columns, changes }
    : undefined;
  return { types, next, held };
}
