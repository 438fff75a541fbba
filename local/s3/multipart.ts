import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument, malformedXml, noSuchUpload, S3Error } from "./errors.ts";
import type { DiskStore, Received, WriteConditions } from "./store.ts";
import { newId, type Version } from "./version.ts";
import { STREAM_CHUNK } from "../../core/io/streamChunk.ts";

/** S3's smallest part but the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** The upload's parts received in order, back to back, and what they are. */
const ASSEMBLY = "assembly";
const ASSEMBLED = "assembly.json";

type Upload = { bucket: string; key: string; contentType?: string; metadata: Record<string, string>; initiated: string };
/** A part written into the assembly; `replaced` when the same number was uploaded again since. */
type Assembled = { number: number; md5: string; size: number; replaced?: true };
/** Where a part to join is: a range of the assembly, or a file of its own. */
type Source = { md5: string; size: number; file: string; start: number; assembled?: number };
/** Where an incoming part goes: the end of the assembly, or (undefined) a file of its own. */
export type PartSlot = { path: string; start: number } | undefined;

/**
 * Multipart uploads, kept on disk as S3 keeps them until completed or aborted: a folder per
 * upload with its description. A part that comes next in order (the SDK sends them so) is
 * appended to the upload's assembly file, so completing needs no copy of it; any other part is a
 * file of its own, named `<part number>.<md5>`, and completing joins what it must.
 */
export class Multipart {
  /** Uploads whose assembly is being appended to: one part at a time. */
  private readonly appending = new Set<string>();

  private readonly store: DiskStore;

  constructor(store: DiskStore) {
    this.store = store;
  }

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
    await writeFile(join(tmp, ASSEMBLY), "");
    await writeFile(join(tmp, ASSEMBLED), "[]");
    await rename(tmp, this.dir(uploadId));
    return uploadId;
  }

  private async upload(bucket: string, key: string, uploadId: string): Promise<Upload> {
    const text = await readFile(join(this.dir(uploadId), "upload.json"), "utf8").catch(() => undefined);
    const upload = text ? (JSON.parse(text) as Upload) : undefined;
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  private async assembled(uploadId: string): Promise<Assembled[]> {
    return JSON.parse(await readFile(join(this.dir(uploadId), ASSEMBLED), "utf8")) as Assembled[];
  }

  private async saveAssembled(uploadId: string, parts: Assembled[]): Promise<void> {
    const tmp = join(this.store.tmpDir, newId());
    await writeFile(tmp, JSON.stringify(parts));
    await rename(tmp, join(this.dir(uploadId), ASSEMBLED));
  }

  /** Number → file and ETag of the parts received as files of their own. */
  private async files(uploadId: string): Promise<Map<number, { file: string; md5: string }>> {
    const parts = new Map<number, { file: string; md5: string }>();
    for (const name of await readdir(this.dir(uploadId))) {
      const m = /^(\d+)\.([0-9a-f]{32})$/.exec(name);
      if (m) parts.set(Number(m[1]), { file: join(this.dir(uploadId), name), md5: m[2] });
    }
    return parts;
  }

  /** Checks the part and says where its bytes go; call `release` if receiving them fails. */
  async slot(bucket: string, key: string, uploadId: string, partNumber: number): Promise<PartSlot> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      throw invalidArgument(`Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`);
    }
    await this.upload(bucket, key, uploadId);
    if (this.appending.has(uploadId)) return undefined;
    const parts = await this.assembled(uploadId);
    if (partNumber !== (parts.at(-1)?.number ?? 0) + 1) return undefined;
    this.appending.add(uploadId);
    return { path: join(this.dir(uploadId), ASSEMBLY), start: parts.reduce((sum, p) => sum + p.size, 0) };
  }

  /** Undoes a part whose body was refused or cut off. */
  async release(uploadId: string, slot: PartSlot): Promise<void> {
    if (!slot) return;
    await truncate(slot.path, slot.start).catch(() => undefined);
    this.appending.delete(uploadId);
  }

  /** Records a received part; returns its ETag. A part uploaded again replaces the earlier one. */
  async putPart(uploadId: string, partNumber: number, received: Received, slot: PartSlot): Promise<string> {
    try {
      const parts = await this.assembled(uploadId);
      const old = (await this.files(uploadId)).get(partNumber);
      if (slot) {
        await this.saveAssembled(uploadId, [...parts, { number: partNumber, md5: received.md5, size: received.size }]);
      } else {
        await rename(received.path, join(this.dir(uploadId), `${partNumber}.${received.md5}`));
        const earlier = parts.find((p) => p.number === partNumber && !p.replaced);
        if (earlier) {
          earlier.replaced = true;
          await this.saveAssembled(uploadId, parts);
        }
      }
      if (old && (slot || old.md5 !== received.md5)) await rm(old.file, { force: true });
      return `"${received.md5}"`;
    } finally {
      if (slot) this.appending.delete(uploadId);
      else await this.store.discard(received.path);
    }
  }

  /**
   * Joins the listed parts into one object. S3's rules: parts in ascending order, each as
   * uploaded (ETag), all but the last at least 5 MiB; the ETag is the MD5 of the parts' MD5s.
   * When the list starts with the assembly's parts and names no other part of it, the assembly
   * becomes the object (the other parts appended to it); otherwise the parts are copied into a new file.
   */
  async complete(bucket: string, key: string, uploadId: string, listed: { partNumber: number; etag: string }[], conditions: WriteConditions): Promise<Version> {
    const upload = await this.upload(bucket, key, uploadId);
    if (!listed.length) throw malformedXml("The XML you provided did not list any part");
    const assembly = join(this.dir(uploadId), ASSEMBLY);
    const assembled = await this.assembled(uploadId);
    const offsets = assembled.map((_, i) => assembled.slice(0, i).reduce((sum, p) => sum + p.size, 0));
    const files = await this.files(uploadId);
    const chosen: Source[] = [];
    for (const [i, p] of listed.entries()) {
      if (i > 0 && p.partNumber <= listed[i - 1].partNumber) throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order");
      const md5 = p.etag.replace(/"/g, "");
      const at = assembled.findIndex((a) => a.number === p.partNumber && a.md5 === md5 && !a.replaced);
      const own = files.get(p.partNumber);
      if (at !== -1) chosen.push({ md5, size: assembled[at].size, file: assembly, start: offsets[at], assembled: at });
      else if (own?.md5 === md5) chosen.push({ md5, size: (await stat(own.file)).size, file: own.file, start: 0 });
      else throw new S3Error(400, "InvalidPart", `One or more of the specified parts could not be found: part ${p.partNumber}`);
    }
    if (chosen.slice(0, -1).some((p) => p.size < MIN_PART_BYTES)) {
      throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size");
    }
    let prefix = 0;
    while (prefix < chosen.length && chosen[prefix].assembled === prefix) prefix++;
    const inPlace = prefix > 0 && chosen.slice(prefix).every((p) => p.assembled === undefined);
    const joined = inPlace ? assembly : join(this.store.tmpDir, newId());
    const kept = inPlace ? chosen.slice(0, prefix).reduce((sum, p) => sum + p.size, 0) : 0;
    if (inPlace) await truncate(assembly, kept);
    const out = await open(joined, inPlace ? "a" : "w");
    try {
      for (const p of inPlace ? chosen.slice(prefix) : chosen) {
        if (p.size === 0) continue;
        for await (const chunk of createReadStream(p.file, { start: p.start, end: p.start + p.size - 1, ...STREAM_CHUNK })) {
          await out.write(chunk as Buffer);
        }
      }
    } catch (error) {
      if (!inPlace) await rm(joined, { force: true });
      throw error;
    } finally {
      await out.close();
    }
    const md5 = createHash("md5");
    for (const p of chosen) md5.update(Buffer.from(p.md5, "hex"));
    const size = chosen.reduce((sum, p) => sum + p.size, 0);
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
