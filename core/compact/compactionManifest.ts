import * as v from "valibot";

/** A job whose rows a compacted file holds, with the source key they came from. */
export const CompactedJobSchema = v.object({ jobId: v.string(), sourceKey: v.string() });

/**
 * One generation of a silver partition's compacted files: the files it replaced (the previous
 * generation's outputs and the sources' own files it merged), the files it wrote (staged first,
 * then copied to `outputs`) and the jobs whose rows those hold, so that replacing one of those
 * sources later rewrites exactly the files holding its rows.
 */
export const CompactionManifestSchema = v.object({
  dataset: v.string(),
  partition: v.string(),
  gen: v.number(),
  inputs: v.array(v.string()),
  staged: v.array(v.string()),
  outputs: v.array(v.string()),
  jobs: v.array(CompactedJobSchema),
  rows: v.number(),
  /** The manifest of the generation this one replaces, deleted once this one is done. */
  replaces: v.optional(v.string()),
});

export type CompactionManifest = v.InferOutput<typeof CompactionManifestSchema>;
export type CompactedJob = v.InferOutput<typeof CompactedJobSchema>;
