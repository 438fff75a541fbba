/** Width every sequencer is padded to: S3's are about 18 hex digits today and may grow. */
const WIDTH = 64;

/**
 * An S3 event sequencer as a string that orders by plain comparison, in DynamoDB conditions as in
 * code. S3 orders the events of one key by the sequencer's hexadecimal value and its length may
 * vary: left-padded with zeros to one width and upper-cased, lexicographic order is numeric order.
 * A delivery without a sequencer sorts first, so any sequenced upload of the key replaces it.
 */
export function orderingKey(sequencer: string | undefined): string {
  const hex = (sequencer ?? "").trim().toUpperCase();
  if (!/^[0-9A-F]*$/.test(hex)) throw new Error(`S3 sequencer ${sequencer} is not hexadecimal`);
  return hex.padStart(Math.max(WIDTH, hex.length), "0");
}

/**
 * Appended to the ordering key of the version a retract removes: above every hex digit, so the
 * retract orders after that version (and its replays, which share its sequencer) and before any
 * later upload of the key, whose sequencer is larger at some digit.
 */
const RETRACT_MARK = "R";

/** Where a job's version of its key stands in the key's order: its upload's sequencer, just after it for a retract. */
export function versionOrder(job: { source: { sequencer?: string }; retract?: unknown }): string {
  return orderingKey(job.source.sequencer) + (job.retract ? RETRACT_MARK : "");
}
