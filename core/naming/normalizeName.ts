import anyAscii from "any-ascii";

/**
 * Turns any header into lower snake_case ASCII: accents folded and other scripts transliterated
 * (`Straße` → `strasse`, `Имя` → `imya`, `価格` → `si_ge`), other characters become `_`.
 */
export function normalizeName(raw: string): string {
  const ascii = anyAscii(raw.normalize("NFC")).replace(/([a-z0-9])([A-Z])/g, "$1_$2");
  return ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 120);
}

/**
 * Names the pipeline itself uses: the partition columns in silver paths, and DuckDB's `rowid`,
 * which a source column of that name would shadow where the pipeline numbers rows. A file's own
 * column of such a name is renamed (`rowid_2`). The pipeline's `_`-columns are kept free because
 * leading underscores are stripped.
 */
export const RESERVED_NAMES = ["year", "month", "day", "rowid"] as const;

/**
 * Normalizes a file's headers into unique column names, keeping their order: empty names become
 * `column_N` (1-based position), collisions and reserved names get `_2`, `_3`, …. Leading
 * underscores are stripped, which keeps the pipeline's own `_`-columns free.
 */
export function normalizeNames(raw: readonly string[]): string[] {
  const used = new Set<string>(RESERVED_NAMES);
  return raw.map((header, i) => {
    let base = normalizeName(header) || `column_${i + 1}`;
    if (/^[0-9]/.test(base)) base = `c_${base}`;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}
