import * as v from "valibot";
import type { ObjectRef, ObjectStore } from "./objectStore.ts";

/** Reads a manifest a previous step wrote; its absence is a broken hand-over, said plainly. */
export async function readManifest<S extends v.GenericSchema>(store: ObjectStore, ref: ObjectRef, schema: S): Promise<v.InferOutput<S>> {
  const doc = await store.getJson(ref);
  if (doc === undefined) throw new Error(`Manifest s3://${ref.bucket}/${ref.key} is missing; re-run the step that writes it`);
  return v.parse(schema, doc);
}
