import * as v from "valibot";
import { jobIdFor } from "../job/jobId.ts";
import type { Source } from "../job/jobRecord.ts";
import { ReplayRequestSchema, RetractRequestSchema } from "../replay/request.ts";

/** The EventBridge "Object Created" event S3 sends for an upload; the state machine's input. */
export const ObjectCreatedEventSchema = v.object({
  "detail-type": v.literal("Object Created"),
  source: v.literal("aws.s3"),
  time: v.string(),
  detail: v.object({
    bucket: v.object({ name: v.string() }),
    object: v.object({
      key: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
      size: v.optional(v.number()),
      etag: v.optional(v.string()),
      "version-id": v.optional(v.string()),
      sequencer: v.optional(v.string()),
    }),
  }),
  /** Present only on executions `etl replay` starts (core/replay/request.ts). */
  replay: v.optional(ReplayRequestSchema),
  /** Present only on executions `etl retract` starts. */
  retract: v.optional(RetractRequestSchema),
});

/** An upload event. */
export type ObjectCreatedEvent = v.InferOutput<typeof ObjectCreatedEventSchema>;

/** The source a delivery names, with the key exactly as the event carries it. */
export function sourceFromEvent(event: ObjectCreatedEvent): Source {
  const o = event.detail.object;
  return {
    bucket: event.detail.bucket.name,
    key: o.key,
    etag: o.etag,
    size: o.size,
    versionId: o["version-id"],
    sequencer: o.sequencer,
  };
}

/**
 * The job an execution's input is about: a replay or retract names its own new job; an upload's
 * job derives from its delivery, so a duplicate delivery finds the same one.
 */
export function jobIdOfEvent(event: ObjectCreatedEvent): string {
  return event.replay?.jobId ?? event.retract?.jobId ?? jobIdFor(sourceFromEvent(event));
}

/** S3 notifications URL-encode keys (a space arrives as `+`); this undoes it. */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    return key;
  }
}

/** Builds the event AWS sends, for the local runtime and tests; the key is URL-encoded as S3 does. */
export function objectCreatedEvent(input: {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  sequencer: string;
  /** Present when the bucket is versioned, as in S3's event. */
  versionId?: string;
  region?: string;
  time?: Date;
  /** The event's id and request id (default random); a replay's or retract's job id, so the same request is the same input. */
  id?: string;
}): ObjectCreatedEvent & Record<string, unknown> {
  const region = input.region ?? "us-east-1";
  return {
    version: "0",
    id: input.id ?? crypto.randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "000000000000",
    time: (input.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [`arn:aws:s3:::${input.bucket}`],
    detail: {
      version: "0",
      bucket: { name: input.bucket },
      object: {
        key: encodeURIComponent(input.key).replace(/%2F/g, "/").replace(/%20/g, "+"),
        size: input.size,
        etag: input.etag.replace(/"/g, ""),
        ...(input.versionId ? { "version-id": input.versionId } : {}),
        sequencer: input.sequencer,
      },
      "request-id": input.id ?? crypto.randomUUID(),
      requester: "000000000000",
      reason: "PutObject",
    },
  } as ObjectCreatedEvent & Record<string, unknown>;
}
