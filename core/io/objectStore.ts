import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { STREAM_CHUNK } from "./streamChunk.ts";

/** Size of one part of a multipart upload: over S3's 5 MiB minimum, under what emulators accept in one request. */
const PART_BYTES = 8 * 1024 * 1024;

/** An object's address; with a version id, that version only (a versioned bucket keeps older ones). */
export type ObjectRef = { bucket: string; key: string; versionId?: string };

/** What HeadObject tells about an object; `metadata` is its user metadata (`x-amz-meta-*`). */
export type ObjectInfo = { size: number; etag: string; versionId?: string; metadata: Record<string, string> };

/** Whether a conditional write failed because the object changed (412) or is gone (404) since it was read. */
export function lostCondition(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as Error).name;
  return status === 412 || status === 404 || name === "PreconditionFailed" || name === "NoSuchKey";
}

/** S3 keys in CopySource must be URL-encoded, slashes kept. */
function copySource(ref: ObjectRef): string {
  const path = `${ref.bucket}/${ref.key.split("/").map(encodeURIComponent).join("/")}`;
  return ref.versionId ? `${path}?versionId=${encodeURIComponent(ref.versionId)}` : path;
}

/** The thin layer over S3 that every step uses: streams to and from disk, never whole files in memory. */
export class ObjectStore {
  private readonly s3: S3Client;

  constructor(s3: S3Client) {
    this.s3 = s3;
  }

  /** Size, ETag and version of an object, or undefined when it does not exist. */
  async head(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
      return {
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? "",
        versionId: out.VersionId ?? undefined,
        metadata: out.Metadata ?? {},
      };
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  /** The first `bytes` bytes of an object, for sniffing. */
  async readHead(ref: ObjectRef, bytes: number): Promise<Uint8Array> {
    const out = await this.s3.send(
      new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId, Range: `bytes=0-${bytes - 1}` }),
    );
    return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
  }

  /** Streams an object to a local file. */
  async download(ref: ObjectRef, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const out = await this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
    await pipeline(out.Body as Readable, createWriteStream(path, STREAM_CHUNK));
  }

  /**
   * Downloads an object listed a moment ago, or returns false when it is gone since: a commit, a
   * retirement or a compaction removed it, and bumps its partition after that, so whoever reads
   * the partition at the newer version sees the files that replaced it.
   */
  async downloadIfPresent(ref: ObjectRef, path: string): Promise<boolean> {
    try {
      await this.download(ref, path);
      return true;
    } catch (error) {
      if ((error as Error).name === "NoSuchKey") return false;
      throw error;
    }
  }

  /**
   * Streams a local file to an object, replacing it atomically. Large files go in parts of
   * PART_BYTES, each read from disk on its own, so memory stays bounded whatever the size.
   * Returns the new object's ETag and, in a versioned bucket, its version id.
   */
  async upload(
    path: string,
    ref: ObjectRef,
    /** `ifMatch`: replace only the object with this ETag (S3 conditional write); a 412 or 404 means it changed (`lostCondition`). */
    options: { contentType?: string; metadata?: Record<string, string>; ifMatch?: string; onProgress?: (sentBytes: number, totalBytes: number) => void } = {},
  ): Promise<{ etag?: string; versionId?: string }> {
    const { size } = await stat(path);
    const common = { Bucket: ref.bucket, Key: ref.key, ContentType: options.contentType ?? "application/octet-stream", Metadata: options.metadata };
    const condition = options.ifMatch ? { IfMatch: options.ifMatch } : {};
    if (size <= PART_BYTES) {
      const out = await this.s3.send(new PutObjectCommand({ ...common, ...condition, Body: createReadStream(path, STREAM_CHUNK), ContentLength: size }));
      return { etag: out.ETag, versionId: out.VersionId };
    }
    const { UploadId } = await this.s3.send(new CreateMultipartUploadCommand(common));
    try {
      const parts: { ETag?: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += PART_BYTES, n++) {
        const end = Math.min(start + PART_BYTES, size) - 1;
        const out = await this.s3.send(
          new UploadPartCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            UploadId,
            PartNumber: n,
            Body: createReadStream(path, { start, end, ...STREAM_CHUNK }),
            ContentLength: end - start + 1,
          }),
        );
        parts.push({ ETag: out.ETag, PartNumber: n });
        options.onProgress?.(end + 1, size);
      }
      const done = await this.s3.send(
        new CompleteMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId, MultipartUpload: { Parts: parts }, ...condition }),
      );
      return { etag: done.ETag, versionId: done.VersionId };
    } catch (error) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  /** Reads a small JSON document, or undefined when it does not exist. */
  async getJson<T>(ref: ObjectRef): Promise<T | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      return JSON.parse(await out.Body!.transformToString()) as T;
    } catch (error) {
      if ((error as Error).name === "NoSuchKey") return undefined;
      throw error;
    }
  }

  /** Writes a small JSON document. */
  async putJson(ref: ObjectRef, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        Body: JSON.stringify(value),
        ContentType: "application/json",
      }),
    );
  }

  /**
   * Creates a small JSON document only where none exists (`If-None-Match: *`, as S3 evaluates it
   * atomically); false when one does (412 PreconditionFailed).
   */
  async putJsonIfAbsent(ref: ObjectRef, value: unknown): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: JSON.stringify(value), ContentType: "application/json", IfNoneMatch: "*" }),
      );
      return true;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((error as Error).name === "PreconditionFailed" || status === 412) return false;
      throw error;
    }
  }

  /**
   * Server-side copy; the bytes never pass through the function. Tags are not carried over: the
   * copies are the pipeline's own, and copying tags would need tagging permissions on both sides.
   * With `metadata`, the copy gets that user metadata instead of the source's.
   */
  async copy(from: ObjectRef, to: ObjectRef, metadata?: Record<string, string>): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: copySource(from),
        TaggingDirective: "REPLACE",
        ...(metadata ? { MetadataDirective: "REPLACE", Metadata: metadata } : {}),
      }),
    );
  }

  /** Deletes one version of an object: in a versioned bucket, nothing newer is removed or hidden. */
  async deleteVersion(ref: Required<ObjectRef>): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
  }

  /** Every version and delete marker of exactly one key in a versioned bucket, newest first. */
  async versionsOf(bucket: string, key: string): Promise<{ versionId: string; lastModified?: Date }[]> {
    const versions: { versionId: string; lastModified?: Date }[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
      for (const o of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
        if (o.Key === key && o.VersionId) versions.push({ versionId: o.VersionId, lastModified: o.LastModified });
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      versionIdMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return versions;
  }

  /**
   * Every key under a prefix, in key order; with a range, only those after `startAfter` up to the
   * last one starting with `through`. S3 takes no end key, so the paging stops at the first key
   * past `through`: at most one page beyond it is read.
   */
  async list(bucket: string, prefix: string, range?: { startAfter: string; through: string }): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, StartAfter: token ? undefined : range?.startAfter }),
      );
      for (const o of out.Contents ?? []) {
        if (!o.Key) continue;
        if (range && o.Key > range.through && !o.Key.startsWith(range.through)) return keys;
        keys.push(o.Key);
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** Deletes keys in batches of S3's limit of 1000. */
  async delete(bucket: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      if (out.Errors?.length) {
        const first = out.Errors[0];
        throw new Error(`Could not delete ${out.Errors.length} objects in ${bucket}, first ${first.Key}: ${first.Message}`);
      }
    }
  }
}
