import * as v from "valibot";
import { ColumnTypeSchema } from "./columnType.ts";
import { IdentifierSchema } from "./identifier.ts";

/** What to do with a NULL in a column: keep it, drop the row (counted), or fill a value. */
export const NullPolicySchema = v.union([
  v.picklist(["keep", "drop"]),
  v.strictObject({ fill: v.union([v.string(), v.number(), v.boolean()]) }),
]);

/** What a broken rule does: keep the row and count it, move it to quarantine, or reject the file. */
export const RuleActionSchema = v.picklist(["warn", "quarantine", "fail"]);

const Literal = v.union([v.string(), v.number(), v.boolean()]);

/** A declared column of a dataset's contract, with the expectations its values must meet. */
export const ColumnSchema = v.pipe(
  v.strictObject({
    type: ColumnTypeSchema,
    /** A file without this column is rejected. */
    required: v.optional(v.boolean(), false),
    nulls: v.optional(NullPolicySchema, "keep"),
    /** false: a NULL (after the NULL policy) breaks the `not_null` rule. */
    nullable: v.optional(v.boolean(), true),
    /** The only values allowed (compared after the cast to the column's type). */
    allowed: v.optional(v.pipe(v.array(Literal), v.minLength(1))),
    /** Inclusive bounds, in the column's type (numbers, or ISO dates for date/timestamp columns). */
    min: v.optional(v.union([v.number(), v.string()])),
    max: v.optional(v.union([v.number(), v.string()])),
    /** A regular expression (RE2 syntax) the whole text of the value must match. */
    pattern: v.optional(v.pipe(v.string(), v.minLength(1))),
    /** How dates or timestamps are written, in strptime notation, e.g. "%d/%m/%Y"; ISO 8601 when absent. */
    format: v.optional(v.pipe(v.string(), v.includes("%", "A format uses strptime codes such as %Y-%m-%d"))),
    /** The time zone of timestamps written without an offset, e.g. "Europe/Paris"; UTC when absent. */
    timezone: v.optional(v.pipe(v.string(), v.check(isTimeZone, "Unknown time zone; use an IANA name like Europe/Paris"))),
    /** What a value that breaks this column's type or rules does to its row (or file). */
    onViolation: v.optional(RuleActionSchema, "quarantine"),
    /** Keep NaN and ±Infinity in a double column; by default such a value quarantines its row. */
    allowNonFinite: v.optional(v.boolean()),
  }),
  v.check((c) => !c.format || c.type === "date" || c.type === "timestamp", "format applies to date and timestamp columns"),
  v.check((c) => !c.timezone || c.type === "timestamp", "timezone applies to timestamp columns"),
  v.check((c) => !c.allowNonFinite || c.type === "double", "allowNonFinite applies to double columns"),
);

const OneAsciiChar = (what: string) => v.pipe(v.string(), v.regex(/^[\x01-\x7f]$/, `${what} is one ASCII character`));
const IsoDate = v.pipe(v.string(), v.isoDate("Expected a date like 1970-01-01"));

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A dataset: which raw keys belong to it and the contract its silver table keeps. */
export const DatasetSchema = v.pipe(v.strictObject({
  name: IdentifierSchema,
  /** Globs on the raw key below `incoming/` (`*` stays within a folder, `**` crosses folders). */
  match: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
  /** Declared columns by normalized name; other columns keep inferred types. */
  columns: v.optional(v.record(IdentifierSchema, ColumnSchema), {}),
  /** Columns that identify a row; whole-row duplicates are removed when absent. */
  dedupKeys: v.optional(v.array(IdentifierSchema)),
  /** The column whose date partitions silver; the ingestion date is used when absent or NULL. */
  eventTime: v.optional(IdentifierSchema),
  /**
   * Columns a file has beyond the declared ones: `evolve` keeps them with inferred types, `freeze`
   * rejects the file, `discard` drops them (the job records which). A declared column that is
   * not required and missing from a file is added as NULLs, except under `freeze`, which rejects it.
   */
  schema: v.optional(v.picklist(["evolve", "freeze", "discard"]), "evolve"),
  /** Cell values read as NULL, compared after trimming. */
  nullValues: v.optional(v.array(v.string()), ["", "NULL", "null", "N/A", "n/a"]),
  /** The text encoding of the files; detected when absent (a BOM, else UTF-8, else Windows-1252). */
  encoding: v.optional(v.pipe(v.string(), v.check(isEncoding, "Unknown encoding; use a label like utf-8, utf-16le, windows-1252, iso-8859-1"))),
  /** JSON shape: `explode` names a top-level array field whose elements become rows (counted as input rows). */
  json: v.optional(v.strictObject({ explode: v.optional(v.pipe(v.string(), v.minLength(1))) }), {}),
  /** CSV dialect; each part is detected when absent. */
  csv: v.optional(
    v.strictObject({
      header: v.optional(v.boolean()),
      delimiter: v.optional(OneAsciiChar("A delimiter")),
      /** The quote character; "" for a file without quoting. */
      quote: v.optional(v.union([v.literal(""), OneAsciiChar("A quote")])),
      /** The character escaping a quote inside a quoted field (the quote itself when doubled). */
      escape: v.optional(v.union([v.literal(""), OneAsciiChar("An escape")])),
      /** Records the header takes (a two-row header is joined into one name per column); detected when absent. */
      headerRows: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5))),
      /** Lines skipped before anything is read (titles, notes); preambles are detected besides. */
      skipLines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
      /** A character starting comment lines, skipped wherever they are. */
      comment: v.optional(OneAsciiChar("A comment marker")),
      /** `1.234,56` means 1234.56; detected as true for `;`-delimited files. */
      decimalComma: v.optional(v.boolean()),
    }),
    {},
  ),
  /** The largest share of a file's rows that may be quarantined (0 to 1); over it the file fails with QualityGateError. */
  maxQuarantinedRatio: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0.5),
  /** The fewest rows a file must bring to silver, or it fails with QualityGateError. */
  minRows: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
  /** What a UTF-8 file's invalid bytes do: quarantine their rows (default) or become U+FFFD, counted. */
  invalidBytes: v.optional(v.picklist(["quarantine", "replace"]), "quarantine"),
  /** The grain of silver partitions: paths stay `year=/month=/day=` prefixes. */
  partition: v.optional(v.picklist(["day", "month", "year"]), "day"),
  /** Event times outside this range are quarantined; `to` defaults to a year after the job. */
  eventTimeRange: v.optional(v.strictObject({ from: v.optional(IsoDate, "1970-01-01"), to: v.optional(IsoDate) }), {}),
  /** The most partitions one file may write; more fails early with TooManyPartitionsError. */
  maxPartitions: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1000),
  /** Whether an inferred (undeclared) column whose values stop fitting its stored type may widen to string. */
  widenToString: v.optional(v.boolean(), true),
  /**
   * Silver small-file compaction (core/compact/): a partition holding more than `maxFiles` Parquet
   * files after a commit is rewritten into files of about `targetMb` each (docs/gold.md, "Compaction").
   */
  compaction: v.optional(
    v.strictObject({
      maxFiles: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2)), 32),
      targetMb: v.optional(v.pipe(v.number(), v.minValue(1)), 128),
    }),
    {},
  ),
  }),
  v.check(
    (d) => d.schema === "evolve" || [d.eventTime, ...(d.dedupKeys ?? [])].every((c) => !c || c in d.columns),
    "Under schema freeze or discard, eventTime and dedupKeys must be declared columns",
  ),
);

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
/** A declared column. */
export type Column = v.InferOutput<typeof ColumnSchema>;
/** A rule's action. */
export type RuleAction = v.InferOutput<typeof RuleActionSchema>;
/** A column's NULL policy. */
export type NullPolicy = v.InferOutput<typeof NullPolicySchema>;
