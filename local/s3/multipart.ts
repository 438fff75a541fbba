import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument, malformedXml, noSuchUpload, S3Error } from "./errors.ts";
import type { DiskStore, Received, WriteConditions } from "./store.ts";
import { newId, type Version } from "./version.ts";

/** S3's smallest part but the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

type Upload = { bucket: string; key: string; contentType?: string; metadata: Record<string, string>; initiated: string };

/**
 * Multipart uploads, kept on disk as S3 keeps them until completed or aborted: a folder per
 * upload with its description and one file per part, named `<part number>.<md5>` so the folder
 * alone says which parts exist and their ETags (a part uploaded again replaces the old one).
 */
export class Multipart {
  constructor(private readonly store: DiskStore) {}

  private dir(uploadId: string): string {
    if (!/^[0-9a-f]+$/.test(uploadId)) throw noSuchUpload(uploadId);
    return join(this.store.root, "uploads", uploadId);
  }

  async create(bucket: string, key: string, contentType: string | undefined, metadata: Record<string, string>): Promise<string> {
    this.store.headBucket(bucket);
    const uploadId = newId();
    const upload: Upload = { bucket, key, contentType, metadata, initiated: new Date().toISOString() };
    const tmp = join(this.store.tmpDir, newId());
    await mkdir(tmp);
    await writeFile(join(tmp, "upload.json"), JSON.stringify(upload));
    await rename(tmp, this.dir(uploadId));
    return uploadId;
  }

  private async upload(bucket: string, key: string, uploadId: string): Promise<Upload> {
    const text = await readFile(join(this.dir(uploadId), "upload.json"), "utf8").catch(() => undefined);
    const upload = text ? (JSON.parse(text) as Upload) : undefined;
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  /** Number → file and ETag of the parts received so far. */
  private async parts(uploadId: string): Promise<Map<number, { file: string; md5: string }>> {
    const parts = new Map<number, { file: string; md5: string }>();
    for (const name of await readdir(this.dir(uploadId))) {
      const m = /^(\d+)\.([0-9a-f]{32})$/.exec(name);
      if (m) parts.set(Number(m[1]), { file: join(this.dir(uploadId), name), md5: m[2] });
    }
    return parts;
  }

  /** Moves a received part into its upload; returns its ETag. */
  async putPart(bucket: string, key: string, uploadId: string, partNumber: number, received: Received): Promise<string> {
    try {
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
        throw invalidArgument(`Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`);
      }
      await this.upload(bucket, key, uploadId);
      const old = (await this.parts(uploadId)).get(partNumber);
      await rename(received.path, join(this.dir(uploadId), `${partNumber}.${received.md5}`));
      if (old && old.md5 !== received.md5) await rm(old.file, { force: true });
      return `"${received.md5}"`;
    } finally {
      await this.store.discard(received.path);
    }
  }

  /**
   * Joins the listed parts into one object. S3's rules: parts in ascending order, each as
   * uploaded (ETag), all but the last at least 5 MiB; the ETag is the MD5 of the parts' MD5s.
   */
  async complete(bucket: string, key: string, uploadId: string, listed: { partNumber: number; etag: string }[], conditions: WriteConditions): Promise<Version> {
    const upload = await this.upload(bucket, key, uploadId);
    const parts = await this.parts(uploadId);
    if (!listed.length) throw malformedXml("The XML you provided did not list any part");
    const chosen = listed.map((p, i) => {
      if (i > 0 && p.partNumber <= listed[i - 1].partNumber) throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order");
      const part = parts.get(p.partNumber);
      if (!part || part.md5 !== p.etag.replace(/"/g, "")) {
        throw new S3Error(400, "InvalidPart", `One or more of the specified parts could not be found: part ${p.partNumber}`);
      }
      return part;
    });
    const sizes = await Promise.all(chosen.map(async (p) => (await stat(p.file)).size));
    if (sizes.slice(0, -1).some((s) => s < MIN_PART_BYTES)) {
      throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size");
    }
    const joined = join(this.store.tmpDir, newId());
    const out = await open(joined, "w");
    try {
      for (const p of chosen) for await (const chunk of createReadStream(p.file, { highWaterMark: 1 << 20 })) await out.write(chunk as Buffer);
    } catch (error) {
      await rm(joined, { force: true });
      throw error;
    } finally {
      await out.close();
    }
    const md5 = createHash("md5");
    for (const p of chosen) md5.update(Buffer.from(p.md5, "hex"));
    const size = sizes.reduce((a, b) => a + b, 0);
    const etag = `"${md5.digest("hex")}-${chosen.length}"`;
    const version = await this.store.commit(bucket, key, joined, { size, etag, contentType: upload.contentType, metadata: upload.metadata }, conditions);
    await rm(this.dir(uploadId), { recursive: true, force: true });
    return version;
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.upload(bucket, key, uploadId);
    await rm(this.dir(uploadId), { recursive: true, force: true });
  }
}
