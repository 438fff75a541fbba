import { orderingKey } from "../commit/sequencer.ts";

/**
 * The ordering key of a backfilled version, which has no S3 event and so no sequencer (S3 exposes
 * sequencers only in events). The version a backfill processes is the key's current one, checked
 * current by extract after it read the key's committed record: anything committed then is older
 * (a newer one would have been current), and any upload after it gets a larger real sequencer,
 * which exceeds the committed one by at least one. One above the committed key therefore orders
 * the backfilled version after what it replaces and before every later upload; with nothing
 * committed, one above zero.
 */
export function backfillSequencer(committedSequencer: string | undefined): string {
  const committed = BigInt(`0x${orderingKey(committedSequencer)}`);
  return orderingKey((committed + 1n).toString(16).toUpperCase());
}
