import type { Grain } from "../config/goldModel.ts";

/** A partition key of a table, with how Athena projects its values. */
type Key = { name: "year" | "month" | "day"; range: string; digits?: number };

/**
 * The partition keys of the date layout the pipeline writes (core/lake/layout.ts): `year=YYYY`
 * (silver accepts years 1000 to 9999 only), `month=MM`, `day=DD`, zero-padded. Keys are integers
 * in the catalog; `digits` makes projection render them padded, as in the paths.
 */
const KEYS: Key[] = [
  { name: "year", range: "1000,9999" },
  { name: "month", range: "1,12", digits: 2 },
  { name: "day", range: "1,31", digits: 2 },
];

const DEPTH: Record<Grain, number> = { year: 1, month: 2, day: 3 };

/** The partition keys of a table partitioned at a grain. */
export function partitionKeys(grain: Grain): { name: string; type: string }[] {
  return KEYS.slice(0, DEPTH[grain]).map((k) => ({ name: k.name, type: "int" }));
}

/**
 * Partition projection parameters (Athena) for a table at `location` (ending in `/`), so no
 * crawler and no `MSCK REPAIR` is needed: Athena computes the partitions from these, and the
 * template is exactly the path form the pipeline writes.
 */
export function projectionParameters(location: string, grain: Grain): Record<string, string> {
  const keys = KEYS.slice(0, DEPTH[grain]);
  const parameters: Record<string, string> = { "projection.enabled": "true" };
  for (const k of keys) {
    parameters[`projection.${k.name}.type`] = "integer";
    parameters[`projection.${k.name}.range`] = k.range;
    if (k.digits) parameters[`projection.${k.name}.digits`] = String(k.digits);
  }
  parameters["storage.location.template"] = location + keys.map((k) => `${k.name}=\${${k.name}}`).join("/");
  return parameters;
}

/** The path a table's own projection parameters give for partition values: what a test compares with the written keys. */
export function renderTemplate(parameters: Readonly<Record<string, string>>, values: Record<string, number>): string {
  return parameters["storage.location.template"].replace(/\$\{(\w+)\}/g, (_, name: string) =>
    String(values[name]).padStart(Number(parameters[`projection.${name}.digits`] ?? 0), "0"),
  );
}
