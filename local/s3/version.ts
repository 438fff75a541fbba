import { randomBytes } from "node:crypto";
import type { Checksum } from "./digest.ts";

/** One version of a key: an object (its bytes in an immutable blob) or a delete marker. */
export type Version = {
  /** `null` for a version written while the bucket's versioning was off or suspended, as S3 says. */
  versionId: string;
  /** File name of the blob under the bucket's blob folder; absent for a delete marker. */
  blob?: string;
  deleteMarker?: true;
  size: number;
  /** Quoted, as in the ETag header. */
  etag: string;
  /** ISO 8601. */
  lastModified: string;
  contentType?: string;
  metadata: Record<string, string>;
  /** A full-object checksum the client sent and the store verified. */
  checksum?: Checksum;
};

/** What a new version takes from the request (or from the copied version). */
export type VersionAttributes = Pick<Version, "size" | "etag" | "contentType" | "metadata" | "checksum">;

/** S3's id of a version written while versioning is not enabled. */
export const NULL_VERSION = "null";

/** A fresh id for a version, blob or upload: time first, so ids of one process sort by creation. */
export function newId(): string {
  return Date.now().toString(16).padStart(12, "0") + randomBytes(10).toString("hex");
}
