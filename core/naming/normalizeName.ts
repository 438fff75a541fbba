/** Letters that do not decompose into a base letter and an accent. */
const TRANSLITERATED: Record<string, string> = { ß: "ss", æ: "ae", Æ: "AE", ø: "o", Ø: "O", œ: "oe", Œ: "OE", ł: "l", Ł: "L", đ: "d", Đ: "D", þ: "th", Þ: "TH" };

/** Turns any header into lower snake_case ASCII: accents folded, other characters become `_`. */
export function normalizeName(raw: string): string {
  const ascii = raw
    .replace(/[ßæÆøØœŒłŁđĐþÞ]/g, (ch) => TRANSLITERATED[ch])
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2");
  return ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 120);
}

/** Names the pipeline itself writes into silver paths; a file's own column of that name is renamed. */
export const RESERVED_NAMES = ["year", "month", "day"] as const;

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
