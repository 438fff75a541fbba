import type { ObjectRef, ObjectStore } from "../io/objectStore.ts";
import type { OutputTable, OutputVersion, PublishedRecord } from "../io/outputTable.ts";

/** User metadata naming the version a published object holds. */
export const VERSION_METADATA = "etl-version";

/** Repairs in a row before giving up: each one means another publisher wrote in between. */
const MAX_ROUNDS = 20;

/** One version of an output, to be published by one copy (or by removing the output). */
export type Publication = {
  store: ObjectStore;
  outputs: OutputTable;
  /** The output's id in the outputs table. */
  id: string;
  version: OutputVersion;
  jobId: string;
  /** The object holding this version; none when this version removes the output. */
  from?: ObjectRef;
  target: ObjectRef;
};

/** Whether this version is the published one, and the record it replaced (whose source the caller may now remove). */
export type PublishOutcome = { published: boolean; replaced?: PublishedRecord };

/**
 * Publishes an output only if its version is the newest recorded, whatever order concurrent
 * publishers run in: the record is claimed with a conditional write; then the record's version is
 * put in place and checked in the target's metadata. A slower publisher of an older version that
 * overwrote it finds its own write wrong at that check and puts the recorded version back, so the
 * last writer always leaves the newest version. A source gone (its replacer removed it) means the
 * record moved on: read it again.
 */
export async function publishLatest(p: Publication): Promise<PublishOutcome> {
  const claim = await p.outputs.claimPublished({ id: p.id, version: p.version, job_id: p.jobId, ...(p.from ? { from: p.from } : {}) });
  if (!claim.won) return { published: false };
  // A newer version claimed since is found by the check after the put, which then puts that one.
  let record = claim.claimed;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!(await put(p, record))) {
      record = await current(p);
      continue;
    }
    const now = await p.store.head(p.target);
    // Read again after the check: a newer version recorded while this one was copied must win.
    const latest = await current(p);
    const holds = latest.from ? now?.metadata[VERSION_METADATA] === String(latest.version) : now === undefined;
    if (holds) return { published: latest.job_id === p.jobId && latest.version === p.version, replaced: claim.replaced };
    record = latest;
  }
  throw new Error(`Output ${p.id} kept changing under ${MAX_ROUNDS} publishers in a row; run the step again`);
}

async function current(p: Publication): Promise<PublishedRecord> {
  const record = await p.outputs.published(p.id);
  if (!record) throw new Error(`Output record ${p.id} vanished after it was claimed`);
  return record;
}

/** Puts the recorded version in place; false when its source is gone. */
async function put(p: Publication, record: PublishedRecord): Promise<boolean> {
  if (!record.from) {
    await p.store.delete(p.target.bucket, [p.target.key]);
    return true;
  }
  try {
    await p.store.copy(record.from, p.target, { [VERSION_METADATA]: String(record.version), "etl-job": record.job_id });
    return true;
  } catch (error) {
    if ((error as Error).name === "NoSuchKey" || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}
