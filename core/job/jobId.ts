import { createHash } from "node:crypto";
import { basename } from "node:path";
import type { Source } from "./jobRecord.ts";

function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/**
 * The job id of one delivery: the same object version always maps to the same job, so a
 * duplicate S3/EventBridge delivery finds its job already there (docs/design.md decision 8). The
 * ETag is not part of it: uploading the same bytes again is a real new upload.
 */
export function jobIdFor(source: Source): string {
  const delivery = source.versionId ?? source.sequencer ?? "";
  return `job-${digest(source.bucket, source.key, delivery).slice(0, 20)}`;
}

/**
 * The id of a source key, shared by every upload under that key: silver and quarantine files
 * carry it in their names, so a new upload under the same key replaces exactly its own rows.
 */
export function sourceIdFor(source: Pick<Source, "bucket" | "key">): string {
  const stem = basename(source.key).replace(/\.[^.]*$/, "").toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 40);
  return `${stem || "file"}-${digest(source.bucket, source.key).slice(0, 12)}`;
}

/**
 * A new job id for a replay of a job or a retract of a key: random, so running the same replay
 * twice gives two jobs, and never the id of a delivery (no duplicate check can take it for one).
 * With a `basis` (on a stage: the committed version it acts on) the same request gives the same
 * id, which names its execution, so Step Functions starts a command typed twice only once.
 */
export function reprocessJobId(kind: "replay" | "retract", subject: string, basis?: string): string {
  return `job-${digest(kind, subject, basis === undefined ? crypto.randomUUID() : `basis:${basis}`).slice(0, 20)}`;
}
