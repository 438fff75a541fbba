import type { ObjectStore } from "../io/objectStore.ts";
import { archivedKey, LAKE_PREFIXES, lake } from "../lake/layout.ts";

/** What an erasure removes: every copy of one raw key's bytes the pipeline made or kept. */
export type Erasure = {
  store: ObjectStore;
  rawBucket: string;
  lakeBucket: string;
  dataset: string;
  /** The raw key, `incoming/…`. */
  key: string;
  /** Every job of the key: their bronze copies and whatever they left staged. */
  jobs: readonly string[];
  /** Versions written after this instant are left alone: an upload of the key made after the erasure was asked for. */
  before: Date;
};

/**
 * Removes the raw copies of a key for an erasure request: the bronze copy of each of its jobs and
 * their staging (the lake bucket keeps no versions), and every version and delete marker of
 * `archived/<key>` and `incoming/<key>` in the versioned raw bucket written before the request,
 * each deleted by version id (S3 then keeps nothing of them; locally the store unlinks the
 * blob, and a copy was a hard link to the same bytes, removed with its own key). Returns the
 * number of objects and versions removed.
 */
export async function eraseSource(e: Erasure): Promise<number> {
  let removed = 0;
  for (const jobId of e.jobs) {
    const keys = [
      ...(await e.store.list(e.lakeBucket, `${LAKE_PREFIXES.bronze}${e.dataset}/${jobId}/`)),
      ...(await e.store.list(e.lakeBucket, lake.stagingPrefix(jobId))),
    ];
    await e.store.delete(e.lakeBucket, keys);
    removed += keys.length;
  }
  for (const key of [archivedKey(e.key), e.key]) {
    for (const version of await e.store.versionsOf(e.rawBucket, key)) {
      if (version.lastModified && version.lastModified > e.before) continue;
      await e.store.deleteVersion({ bucket: e.rawBucket, key, versionId: version.versionId });
      removed++;
    }
  }
  return removed;
}
