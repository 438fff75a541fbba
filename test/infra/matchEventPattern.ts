import type { EventPattern } from "../../stacks/eventPatterns.ts";

/**
 * EventBridge's matching rules for the operators the app uses, written from the EventBridge
 * documentation, independent of the code under test: every pattern field must match; an array
 * lists alternatives, exact values compare with their JSON type, `{prefix}` matches strings
 * that start with it; an array in the event matches if any element does; a missing field never
 * matches. Any other operator throws, so an unsupported pattern can never pass by accident.
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const value = isRecord(event) ? event[field] : undefined;
    if (Array.isArray(rule)) return value !== undefined && matchesAlternatives(rule, value);
    return isRecord(value) && matchesEventPattern(rule as EventPattern, value);
  });
}

function matchesAlternatives(alternatives: readonly unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => alternatives.some((alternative) => matchesOne(alternative, v)));
}

function matchesOne(alternative: unknown, value: unknown): boolean {
  if (alternative === null || typeof alternative !== "object") return alternative === value;
  const entries = Object.entries(alternative);
  if (entries.length !== 1) throw new Error(`An operator object has exactly one key: ${JSON.stringify(alternative)}`);
  const [operator, argument] = entries[0];
  if (operator === "prefix" && typeof argument === "string") return typeof value === "string" && value.startsWith(argument);
  throw new Error(`Operator not supported by this matcher: ${JSON.stringify(alternative)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
