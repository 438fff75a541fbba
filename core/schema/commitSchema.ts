import * as v from "valibot";
import { TransientError } from "../errors.ts";
import { SchemaDocumentSchema, schemaKey, type SchemaDocument } from "./schemaDocument.ts";

/** The two lake operations the schema needs: a read, and a create that refuses to replace (S3 `If-None-Match: *`). */
export type SchemaStore = {
  getJson<T>(ref: { bucket: string; key: string }): Promise<T | undefined>;
  /** False when the object already exists (412 PreconditionFailed). */
  putJsonIfAbsent(ref: { bucket: string; key: string }, value: unknown): Promise<boolean>;
};

/** The newest version of a dataset's schema, or undefined before its first file. */
export async function latestSchema(store: SchemaStore, bucket: string, dataset: string): Promise<SchemaDocument | undefined> {
  return (await schemaVersions(store, bucket, dataset)).at(-1);
}

/** Every version of a dataset's schema, oldest first (`[n - 1]` is version n). Versions are few: read in order. */
export async function schemaVersions(store: SchemaStore, bucket: string, dataset: string): Promise<SchemaDocument[]> {
  const versions: SchemaDocument[] = [];
  for (let version = 1; ; version++) {
    const doc = await store.getJson<unknown>({ bucket, key: schemaKey(dataset, version) });
    if (doc === undefined) return versions;
    versions.push(v.parse(SchemaDocumentSchema, doc));
  }
}

/**
 * Creates a new schema version, once: two jobs proposing the same version race on a conditional
 * create, and only one wins. The loser is fine when the winner wrote the same columns (two first
 * files that agree); otherwise its file was read against a schema that is no longer the newest,
 * and it fails as transient so the step runs again against the winner's version. "created" when
 * this job's document is the stored one (an earlier attempt of the same job may have written it).
 */
export async function commitSchema(store: SchemaStore, bucket: string, next: SchemaDocument): Promise<"created" | "agreed"> {
  const ref = { bucket, key: schemaKey(next.dataset, next.version) };
  if (await store.putJsonIfAbsent(ref, next)) return "created";
  const winner = await store.getJson<SchemaDocument>(ref);
  if (winner?.hash === next.hash) return winner.jobId !== undefined && winner.jobId === next.jobId ? "created" : "agreed";
  throw new TransientError(
    `schema v${next.version} of dataset ${next.dataset} was created by another job with other columns; the file is read again against it`,
  );
}
