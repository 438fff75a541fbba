import * as v from "valibot";

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/**
 * The choice a misspelt word most likely meant, if one is within `slack` edits per letter (a
 * suggestion may guess loosely; a check that rejects a config on it should not).
 */
export function closest(word: string, choices: readonly string[], slack = 1 / 3): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_\s-]/g, "");
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const d = norm(c) === norm(word) ? 0 : distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length * slack)) ? best : undefined;
}

type AnySchema = v.GenericSchema & { type: string; entries?: Record<string, AnySchema>; item?: AnySchema; value?: AnySchema; wrapped?: AnySchema; options?: unknown[]; pipe?: AnySchema[] };

/** The schema with its wrappers (pipe, optional) taken off. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    if (s.wrapped) s = s.wrapped;
    else if (s.pipe && s.pipe[0] !== s) s = s.pipe[0];
    else return s;
  }
}

/** The schema at a path of keys in a config schema (arrays and records descend into their items). */
function schemaAt(root: AnySchema, path: readonly unknown[]): AnySchema | undefined {
  let s: AnySchema | undefined = unwrap(root);
  for (const key of path) {
    if (!s) return undefined;
    if (s.entries) s = s.entries[String(key)];
    else if (s.item) s = s.item;
    else if (s.value) s = s.value;
    else return undefined;
    s = s && unwrap(s);
  }
  return s;
}

/** Every literal a schema accepts (picklists and unions of them), for "valid choices". */
function choicesOf(schema: AnySchema | undefined): string[] {
  if (!schema) return [];
  const s = unwrap(schema);
  if (s.type === "picklist") return (s.options as string[]).map(String);
  if (s.type === "literal") return [String((s as unknown as { literal: unknown }).literal)];
  if (s.type === "union" || s.type === "variant") return (s.options as AnySchema[]).flatMap(choicesOf);
  return [];
}

/**
 * One config issue in words a person can act on: an unknown key says which key was probably
 * meant and lists the valid ones; a wrong value of a closed set lists the valid choices.
 */
export function issueMessage(root: v.GenericSchema, issue: v.BaseIssue<unknown>): string {
  const path = (issue.path ?? []).map((p) => p.key);
  const where = v.getDotPath(issue) ?? "(config)";
  if (issue.type === "strict_object" && issue.expected === "never" && path.length) {
    const parent = schemaAt(root as AnySchema, path.slice(0, -1));
    const keys = Object.keys(parent?.entries ?? {});
    const key = String(path.at(-1));
    const guess = closest(key, keys, 1 / 2);
    return `${where}: unknown option ${JSON.stringify(key)}${guess ? `; did you mean ${guess}?` : ""}${keys.length ? ` (valid: ${keys.join(", ")})` : ""}`;
  }
  const choices = choicesOf(schemaAt(root as AnySchema, path));
  if (choices.length && issue.input !== undefined) {
    const guess = typeof issue.input === "string" ? closest(issue.input, choices, 1 / 2) : undefined;
    // A union may also take an open form (`decimal(p,s)`), which its own message describes.
    const at = unwrap(schemaAt(root as AnySchema, path)!);
    const open = at.type === "union" && (at.options as AnySchema[]).some((o) => !choicesOf(o).length) ? ` (${issue.message})` : "";
    return `${where}: ${JSON.stringify(issue.input)} is not one of ${choices.join(", ")}${open}${guess ? `; did you mean ${guess}?` : ""}`;
  }
  return `${where}: ${issue.message}`;
}
