import * as v from "valibot";
import { ColumnTypeSchema } from "./columnType.ts";

const Identifier = v.pipe(
  v.string(),
  v.regex(/^[a-z_][a-z0-9_]*$/, "Expected a lower snake_case name (letters, digits, underscores)"),
  v.maxLength(128),
);

/** What to do with a NULL in a column: keep it, drop the row (counted), or fill a value. */
export const NullPolicySchema = v.union([
  v.picklist(["keep", "drop"]),
  v.strictObject({ fill: v.union([v.string(), v.number(), v.boolean()]) }),
]);

/** A declared column of a dataset's contract. */
export const ColumnSchema = v.strictObject({
  type: ColumnTypeSchema,
  /** A file without this column is rejected. */
  required: v.optional(v.boolean(), false),
  nulls: v.optional(NullPolicySchema, "keep"),
});

/** A dataset: which raw keys belong to it and the contract its silver table keeps. */
export const DatasetSchema = v.strictObject({
  name: Identifier,
  /** Globs on the raw key below `incoming/` (`*` stays within a folder, `**` crosses folders). */
  match: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
  /** Declared columns by normalized name; other columns keep inferred types. */
  columns: v.optional(v.record(Identifier, ColumnSchema), {}),
  /** Columns that identify a row; whole-row duplicates are removed when absent. */
  dedupKeys: v.optional(v.array(Identifier)),
  /** The column whose date partitions silver; the ingestion date is used when absent or NULL. */
  eventTime: v.optional(Identifier),
  /** Cell values read as NULL, compared after trimming. */
  nullValues: v.optional(v.array(v.string()), ["", "NULL", "null", "N/A", "n/a"]),
  /** The text encoding of the files; detected when absent (a BOM, else UTF-8, else Windows-1252). */
  encoding: v.optional(v.pipe(v.string(), v.check(isEncoding, "Unknown encoding; use a label like utf-8, utf-16le, windows-1252, iso-8859-1"))),
  /** CSV dialect; each part is detected when absent. */
  csv: v.optional(
    v.strictObject({
      header: v.optional(v.boolean()),
      delimiter: v.optional(v.pipe(v.string(), v.length(1, "A delimiter is one character"))),
      /** `1.234,56` means 1234.56; detected as true for `;`-delimited files. */
      decimalComma: v.optional(v.boolean()),
    }),
    {},
  ),
});

function isEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/** A validated dataset config. */
export type Dataset = v.InferOutput<typeof DatasetSchema>;
/** A column's NULL policy. */
export type NullPolicy = v.InferOutput<typeof NullPolicySchema>;
