import type { JobRecord } from "../job/jobRecord.ts";
import { schemaKey } from "./schemaDocument.ts";

/** The SNS attribute subscribers filter schema announcements on (`{"event": ["SCHEMA_CHANGED"]}`). */
export const SCHEMA_CHANGED = "SCHEMA_CHANGED";

/** One change as a person reads it: `code widened BIGINT -> VARCHAR`. */
function describe(c: { column: string; kind: string; from?: string; to: string }): string {
  return `${c.column} ${c.kind}${c.from ? ` ${c.from} ->` : ""} ${c.to}`;
}

/** Changes a reader of the data must hear of: a column's type is not what it was. */
const TYPE_CHANGES = new Set(["widened", "redeclared"]);

/**
 * The announcement of a schema version a job created that changed a column's type (issue 7 item
 * 5): the dataset, the version and the whole diff from the one before, with the file that caused
 * it. Undefined otherwise: a first version, or one that only added columns (routine under
 * `evolve`, and harmless to readers), is not announced.
 */
export function schemaChangeMessage(job: JobRecord, lakeBucket: string) {
  const schema = job.schema;
  if (!schema?.changes?.some((c) => TYPE_CHANGES.has(c.kind))) return undefined;
  return {
    subject: `ETL schema of ${job.dataset} is now v${schema.version}: ${schema.changes.map(describe).join(", ")}`,
    body: {
      event: SCHEMA_CHANGED,
      dataset: job.dataset,
      version: schema.version,
      hash: schema.hash,
      changes: schema.changes,
      jobId: job.job_id,
      file: `s3://${job.source.bucket}/${job.source.key}`,
      schemaDocument: `s3://${lakeBucket}/${schemaKey(job.dataset, schema.version)}`,
      // What a reader of the lake can rely on (docs/silver.md "Schema as data").
      note: "silver files written under older types are rewritten to these; the catalog follows this version",
    },
    attributes: { event: SCHEMA_CHANGED, dataset: job.dataset, version: String(schema.version) },
  };
}
