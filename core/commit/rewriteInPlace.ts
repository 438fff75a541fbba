import { join } from "node:path";
import { rm } from "node:fs/promises";
import { lostCondition, type ObjectInfo, type ObjectRef, type ObjectStore } from "../io/objectStore.ts";

/** Rounds before giving up: each one means another writer replaced the object in between. */
const MAX_ROUNDS = 10;

/**
 * What to put in an object's place, decided from its current state: `fetch` downloads it (only
 * when needed); undefined leaves the object as it is.
 */
export type RewritePlan = (info: ObjectInfo, fetch: () => Promise<string>) => Promise<{ file: string; metadata: Record<string, string> } | undefined>;

/**
 * Replaces one shared object by a rewritten form of itself without losing anyone else's write
 * (docs/commit.md): the rewrite is put with `If-Match` on the ETag it was computed from, so an
 * object another job replaced meanwhile is planned again from its new state, and one that was
 * removed (its source retired it) stays removed: a rewrite never brings back what a commit deleted.
 * Each object is replaced by one PUT, so a reader sees the old or the new file, never half of one.
 * Reusable by any in-place partition rewrite (schema widening today). Returns whether it wrote.
 */
export async function rewriteInPlace(store: ObjectStore, ref: ObjectRef, dir: string, plan: RewritePlan): Promise<boolean> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const info = await store.head(ref);
    if (!info) return false;
    const local = join(dir, `in-${round}`);
    let written: string | undefined;
    try {
      const next = await plan(info, async () => {
        await store.download(ref, local);
        return local;
      });
      if (!next) return false;
      written = next.file;
      await store.upload(next.file, ref, { metadata: next.metadata, ifMatch: info.etag });
      return true;
    } catch (error) {
      // Replaced or removed since the HEAD (the download or the conditional PUT says so): look again.
      if (!lostCondition(error)) throw error;
    } finally {
      await rm(local, { force: true });
      if (written) await rm(written, { force: true });
    }
  }
  throw new Error(`${ref.key} kept changing under ${MAX_ROUNDS} rewrites in a row; run the step again`);
}
