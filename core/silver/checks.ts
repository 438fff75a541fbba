import { listValue } from "@duckdb/node-api";
import type { Column, RuleAction } from "../config/dataset.ts";
import { Params, quoteIdent } from "../engine/sql.ts";
import type { TypedColumn } from "./resolveTypes.ts";

/**
 * One expectation on one column, as SQL over the classified rows: `condition` is true where a
 * row breaks it, `value` and `reason` say what a person reads in quarantine. `reason` adds its
 * parameters when called, so only statements that use it bind them (DuckDB rejects unused ones).
 */
export type Check = { column: string; rule: string; action: RuleAction; condition: string; value: string; reason: () => string };

/** A column with the SQL that types it: `raw` names its text before the cast when a cast can fail. */
export type TypedPlan = { col: TypedColumn; raw?: string };

const PEOPLE_TYPES: Record<string, string> = {
  BIGINT: "integer",
  DOUBLE: "double",
  BOOLEAN: "boolean",
  DATE: "date",
  TIMESTAMPTZ: "timestamp",
  VARCHAR: "string",
};

/**
 * Event times outside the dataset's range (by their UTC date; by default 1970 to a year after the
 * job) are quarantined: the catalog's partition projection could never show them, and a typo like
 * 20245 or a two-digit year read as year 24 must not create a partition of its own.
 */
export function eventTimeCheck(column: string, params: Params, range: { from: string; to: string }): Check {
  const q = quoteIdent(column);
  const from = params.add(range.from);
  const to = params.add(range.to);
  return {
    column,
    rule: "event_time_range",
    action: "quarantine",
    condition: `(CAST(${q} AS DATE) < CAST(${from} AS DATE) OR CAST(${q} AS DATE) > CAST(${to} AS DATE))`,
    value: `CAST(${q} AS VARCHAR)`,
    reason: () => `format('{}: {} is outside the event-time range {} to {}', ${params.add(column)}, CAST(${q} AS VARCHAR), ${from}, ${to})`,
  };
}

/** The declared-type vocabulary, for messages people read. */
export function friendlyType(sqlType: string): string {
  return PEOPLE_TYPES[sqlType] ?? sqlType.toLowerCase();
}

/**
 * The checks of one column: its type (a value that does not fit; NaN or ±Infinity in a double
 * column unless it declares `allowNonFinite`) and the rules its declaration makes (not_null, allowed, min, max, pattern), like Delta Live Tables' expectations. Rule values
 * come from the config and travel as parameters in `params`.
 */
export function columnChecks(plan: TypedPlan, declared: Column | undefined, params: Params): Check[] {
  const { col, raw } = plan;
  const q = quoteIdent(col.name);
  const action = declared?.onViolation ?? "quarantine";
  // A value that does not fit its type is never kept as a NULL: warn still quarantines it.
  const typeAction = action === "fail" ? "fail" : "quarantine";
  // A placeholder is only added once a check uses it: DuckDB rejects unused parameters.
  let placeholder: string | undefined;
  const name = () => (placeholder ??= params.add(col.name));
  const text = `CAST(${q} AS VARCHAR)`;
  const checks: Check[] = [];
  if (raw) {
    checks.push({
      column: col.name,
      rule: "type",
      action: typeAction,
      condition: `(${raw} IS NOT NULL AND ${q} IS NULL)`,
      value: `CAST(${raw} AS VARCHAR)`,
      reason: () => `format('{}: {} is not a valid {}', ${name()}, CAST(${raw} AS VARCHAR), ${params.add(friendlyType(col.type))})`,
    });
  }
  // NaN and ±Infinity would make every average and maximum of a gold partition NaN or infinite.
  if (col.type === "DOUBLE" && !declared?.allowNonFinite) {
    const written = raw ? `CAST(${raw} AS VARCHAR)` : text;
    checks.push({
      column: col.name,
      rule: "non_finite",
      action: typeAction,
      condition: `(${q} IS NOT NULL AND NOT isfinite(${q}))`,
      // As the file wrote it (`Infinity`, `-inf`), when it came as text.
      value: written,
      reason: () => `format('{}: {} is not a finite number (allowNonFinite is off)', ${name()}, ${written})`,
    });
  }
  if (!declared) return checks;
  const rule = (rule: string, condition: string, reason: () => string) =>
    checks.push({ column: col.name, rule, action, condition: `(${condition})`, value: text, reason });
  if (!declared.nullable && declared.nulls === "keep") {
    rule("not_null", raw ? `${q} IS NULL AND ${raw} IS NULL` : `${q} IS NULL`, () => `format('{}: a value is required', ${name()})`);
  }
  if (declared.allowed) {
    const allowed = params.add(listValue(declared.allowed.map(String)));
    rule(
      "allowed",
      `${q} IS NOT NULL AND NOT list_contains(CAST(${allowed} AS ${col.type}[]), ${q})`,
      () => `format('{}: {} is not one of the allowed values', ${name()}, ${text})`,
    );
  }
  if (declared.min !== undefined) {
    const min = params.add(String(declared.min));
    rule("min", `${q} < CAST(${min} AS ${col.type})`, () => `format('{}: {} is below the minimum {}', ${name()}, ${text}, ${min})`);
  }
  if (declared.max !== undefined) {
    const max = params.add(String(declared.max));
    rule("max", `${q} > CAST(${max} AS ${col.type})`, () => `format('{}: {} is above the maximum {}', ${name()}, ${text}, ${max})`);
  }
  if (declared.pattern) {
    const pattern = params.add(declared.pattern);
    rule(
      "pattern",
      `${q} IS NOT NULL AND NOT regexp_full_match(${text}, ${pattern})`,
      () => `format('{}: {} does not match the pattern {}', ${name()}, ${text}, ${pattern})`,
    );
  }
  return checks;
}
