import { Params } from "../engine/sql.ts";

/** How numbers are written in a file: `1,234.5` (the default) or `1.234,5` (decimal comma). */
export type NumberStyle = { decimalComma: boolean };

/**
 * SQL that rewrites a number with group separators to plain digits, leaving anything else alone:
 * `1,234.5` → `1234.5`, or with a decimal comma `1.234,5` → `1234.5`. Only whole groups of three
 * digits count as separators, so `1,5` is not read as 15.
 */
function plainNumber(value: string, style: NumberStyle): string {
  // A value without a separator is left as it is either way: `contains` spares it the regex
  // (5M rows, `classified`: 1.9-2.6 s instead of 2.2-2.9 s).
  return style.decimalComma
    ? `CASE WHEN (contains(${value}, '.') OR contains(${value}, ',')) AND regexp_full_match(${value}, '[+-]?[0-9]{1,3}([.][0-9]{3})*(,[0-9]+)?') THEN replace(replace(${value}, '.', ''), ',', '.') ELSE ${value} END`
    : `CASE WHEN contains(${value}, ',') AND regexp_full_match(${value}, '[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?') THEN replace(${value}, ',', '') ELSE ${value} END`;
}

/** A column's stored type and, for dates and timestamps, how the text writes them. */
export type CastTarget = { type: string; format?: string; timezone?: string };

/**
 * SQL that turns text into a typed value, or NULL when it does not fit. The caller compares
 * against the text to tell "was empty" from "did not fit" (which quarantines the row), so the
 * casts here never round or widen: '1.5' is not an integer, '1e3' not a BIGINT. A declared date
 * format and time zone come from the config and travel in `params`.
 */
export function castFromText(value: string, target: CastTarget, style: NumberStyle, params = new Params()): string {
  const sqlType = target.type;
  if (sqlType === "DATE" && target.format) return fourDigitYear(`TRY_CAST(try_strptime(${value}, ${params.add(target.format)}) AS DATE)`);
  // A date written with a time and an offset is the UTC date of that instant (the session is in UTC).
  if (sqlType === "DATE") {
    return `CASE WHEN regexp_matches(${value}, '[0-9][T ][0-9]{2}:[0-9]{2}.*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') THEN CAST(TRY_CAST(${value} AS TIMESTAMPTZ) AS DATE) ELSE TRY_CAST(${value} AS DATE) END`;
  }
  if (sqlType === "TIMESTAMPTZ" && (target.format || target.timezone)) {
    const zone = params.add(target.timezone ?? "UTC");
    if (target.format) {
      // A format with %z parses the offset itself; otherwise the time is local to the declared zone.
      const parsed = fourDigitYear(`try_strptime(${value}, ${params.add(target.format)})`);
      return target.format.includes("%z") ? `CAST(${parsed} AS TIMESTAMPTZ)` : `timezone(${zone}, CAST(${parsed} AS TIMESTAMP))`;
    }
    return `CASE WHEN regexp_matches(${value}, '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') THEN TRY_CAST(${value} AS TIMESTAMPTZ) ELSE timezone(${zone}, TRY_CAST(${value} AS TIMESTAMP)) END`;
  }
  switch (sqlType) {
    case "VARCHAR":
      return value;
    case "BIGINT": {
      const n = plainNumber(value, style);
      return `CASE WHEN regexp_full_match(${n}, '[+-]?[0-9]+') THEN TRY_CAST(${n} AS BIGINT) END`;
    }
    case "DOUBLE":
      return `TRY_CAST(${plainNumber(value, style)} AS DOUBLE)`;
    case "BOOLEAN":
      return `CASE WHEN lower(${value}) IN ('true', 't', 'yes', 'y', '1') THEN TRUE WHEN lower(${value}) IN ('false', 'f', 'no', 'n', '0') THEN FALSE END`;
    default: {
      const scale = /^DECIMAL\(\d+,(\d+)\)$/.exec(sqlType)?.[1];
      if (scale === undefined) return `TRY_CAST(${value} AS ${sqlType})`;
      // More decimals than the declared scale would be rounded away: such a value does not fit.
      const n = plainNumber(value, style);
      return `CASE WHEN regexp_full_match(${n}, '[+-]?([0-9]+([.][0-9]{0,${scale}})?|[.][0-9]{1,${scale}})') THEN TRY_CAST(${n} AS ${sqlType}) END`;
    }
  }
}

/**
 * A parsed date or time whose year is below 100 came from a two-digit year read by `%Y` (`06/01/02`
 * as year 2): it does not fit, and its row is quarantined rather than stored in year 0002.
 */
function fourDigitYear(parsed: string): string {
  return `(CASE WHEN year(${parsed}) >= 100 THEN ${parsed} END)`;
}

/**
 * SQL that casts an already typed value (Parquet, JSON numbers) to a declared type. Narrowing a
 * number must give back the same number (1.5 is not an integer), or the value does not fit.
 */
export function castFromTyped(value: string, sqlType: string): string {
  const cast = `TRY_CAST(${value} AS ${sqlType})`;
  return sqlType === "BIGINT" || sqlType.startsWith("DECIMAL") ? `CASE WHEN ${cast} = ${value} THEN ${cast} END` : cast;
}

/** A type a text column may be inferred as (with its text format), and the test every non-NULL value must pass. */
export type Candidate = { type: string; format?: string; test: (v: string) => string };

/**
 * Date and timestamp layouts inferred besides ISO 8601, in strptime notation. A format is chosen
 * for the whole column (every value must fit it), never per value. Day-first comes before
 * month-first: where every day is 12 or less both fit and the first wins, so a US file should
 * declare `format: "%m/%d/%Y"`. `%Y` needs four digits; two-digit years are read by `%y` with
 * strptime's pivot (69–99 → 19xx, 00–68 → 20xx).
 */
const DATE_FORMATS = [
  "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%b %d %Y", "%b %d, %Y", "%d %b %Y", "%B %d, %Y", "%d %B %Y",
  "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%d-%m-%y",
];
const TIMESTAMP_FORMATS = ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M:%S"];

/**
 * Types a text column may be inferred as, narrowest first. Tests are strict on purpose: '007'
 * stays text (leading zeros mean an id), and integers too large for BIGINT stay text rather than
 * become rounded doubles (the text candidate right after BIGINT catches them).
 */
export function inferenceCandidates(style: NumberStyle): Candidate[] {
  const integer = (v: string) => `regexp_full_match(${plainNumber(v, style)}, '[+-]?(0|[1-9][0-9]*)')`;
  return [
    { type: "BIGINT", test: (v) => `${integer(v)} AND ${castFromText(v, { type: "BIGINT" }, style)} IS NOT NULL` },
    { type: "VARCHAR", test: integer },
    {
      type: "DOUBLE",
      test: (v) =>
        `regexp_full_match(${plainNumber(v, style)}, '[+-]?((0|[1-9][0-9]*)([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?') AND ${castFromText(v, { type: "DOUBLE" }, style)} IS NOT NULL`,
    },
    // One vocabulary per column: true/false, yes/no or y/n (1/0 stays an integer).
    { type: "BOOLEAN", test: (v) => `lower(${v}) IN ('true', 'false')` },
    { type: "BOOLEAN", test: (v) => `lower(${v}) IN ('yes', 'no')` },
    { type: "BOOLEAN", test: (v) => `lower(${v}) IN ('y', 'n')` },
    { type: "DATE", test: (v) => `regexp_full_match(${v}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND TRY_CAST(${v} AS DATE) IS NOT NULL` },
    {
      type: "TIMESTAMPTZ",
      test: (v) =>
        `regexp_full_match(${v}, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?') AND TRY_CAST(${v} AS TIMESTAMPTZ) IS NOT NULL`,
    },
    ...DATE_FORMATS.map((format) => ({ type: "DATE", format, test: (v: string) => formatTest(v, format) })),
    ...TIMESTAMP_FORMATS.map((format) => ({ type: "TIMESTAMPTZ", format, test: (v: string) => formatTest(v, format) })),
  ];
}

/** A value fits a layout when strptime reads it and its year has as many digits as the layout says. */
function formatTest(v: string, format: string): string {
  const digits = format.includes("%Y") ? `regexp_matches(${v}, '(^|[^0-9])[0-9]{4}([^0-9]|$)')` : `NOT regexp_matches(${v}, '[0-9]{3}')`;
  return `${digits} AND try_strptime(${v}, '${format}') IS NOT NULL`;
}
