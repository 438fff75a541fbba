/**
 * SQL that turns text into a typed value, or NULL when it does not fit. The caller compares
 * against the text to tell "was empty" from "did not fit" (which quarantines the row), so the
 * casts here never round or widen: '1.5' is not an integer, '1e3' not a BIGINT.
 */
export function castFromText(value: string, sqlType: string): string {
  switch (sqlType) {
    case "VARCHAR":
      return value;
    case "BIGINT":
      return `CASE WHEN regexp_full_match(${value}, '[+-]?[0-9]+') THEN TRY_CAST(${value} AS BIGINT) END`;
    case "BOOLEAN":
      return `CASE WHEN lower(${value}) IN ('true', 't', 'yes', 'y', '1') THEN TRUE WHEN lower(${value}) IN ('false', 'f', 'no', 'n', '0') THEN FALSE END`;
    default: {
      const scale = /^DECIMAL\(\d+,(\d+)\)$/.exec(sqlType)?.[1];
      // More decimals than the declared scale would be rounded away: such a value does not fit.
      return scale === undefined
        ? `TRY_CAST(${value} AS ${sqlType})`
        : `CASE WHEN regexp_full_match(${value}, '[+-]?([0-9]+([.][0-9]{0,${scale}})?|[.][0-9]{1,${scale}})') THEN TRY_CAST(${value} AS ${sqlType}) END`;
    }
  }
}

/**
 * SQL that casts an already typed value (Parquet, JSON numbers) to a declared type. Narrowing a
 * number must give back the same number (1.5 is not an integer), or the value does not fit.
 */
export function castFromTyped(value: string, sqlType: string): string {
  const cast = `TRY_CAST(${value} AS ${sqlType})`;
  return sqlType === "BIGINT" || sqlType.startsWith("DECIMAL") ? `CASE WHEN ${cast} = ${value} THEN ${cast} END` : cast;
}

/**
 * Types a text column may be inferred as, narrowest first, each with the test every non-NULL
 * value must pass. Tests are strict on purpose: '007' stays text (leading zeros mean an id), and
 * integers too large for BIGINT stay text rather than become rounded doubles.
 */
export const INFERENCE_CANDIDATES: readonly { type: string; test: (v: string) => string }[] = [
  { type: "BIGINT", test: (v) => `regexp_full_match(${v}, '[+-]?(0|[1-9][0-9]*)') AND TRY_CAST(${v} AS BIGINT) IS NOT NULL` },
  { type: "VARCHAR", test: (v) => `regexp_full_match(${v}, '[+-]?(0|[1-9][0-9]*)')` },
  {
    type: "DOUBLE",
    test: (v) =>
      `regexp_full_match(${v}, '[+-]?((0|[1-9][0-9]*)([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?') AND TRY_CAST(${v} AS DOUBLE) IS NOT NULL`,
  },
  { type: "BOOLEAN", test: (v) => `lower(${v}) IN ('true', 'false')` },
  { type: "DATE", test: (v) => `regexp_full_match(${v}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND TRY_CAST(${v} AS DATE) IS NOT NULL` },
  {
    type: "TIMESTAMPTZ",
    test: (v) =>
      `regexp_full_match(${v}, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?') AND TRY_CAST(${v} AS TIMESTAMPTZ) IS NOT NULL`,
  },
];
