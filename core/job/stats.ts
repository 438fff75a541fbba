import * as v from "valibot";

/** A job's row accounting: `inputRows = silverRows + duplicateRows + quarantinedRows + droppedRows`. */
export const StatsSchema = v.object({
  inputRows: v.number(),
  silverRows: v.number(),
  duplicateRows: v.number(),
  quarantinedRows: v.number(),
  droppedRows: v.number(),
  goldRows: v.number(),
  /** quarantinedRows / inputRows, rounded to 4 places: what the dataset's quality gate compared. */
  quarantinedShare: v.optional(v.number()),
});

/** Row counts of one job. */
export type Stats = v.InferOutput<typeof StatsSchema>;

/** The counts before any step ran. */
export const EMPTY_STATS: Stats = {
  inputRows: 0,
  silverRows: 0,
  duplicateRows: 0,
  quarantinedRows: 0,
  droppedRows: 0,
  goldRows: 0,
};

/** The rows not accounted for; zero unless rows were lost. */
export function unaccountedRows(s: Stats): number {
  return s.inputRows - s.silverRows - s.duplicateRows - s.quarantinedRows - s.droppedRows;
}
