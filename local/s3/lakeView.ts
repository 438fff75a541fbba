import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, renameSync, rmdirSync, rmSync } from "node:fs";
import { lstat, readdir, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";

/** Longest file name most file systems take, in bytes. */
const MAX_NAME_BYTES = 255;

/**
 * The path below its bucket's folder that shows a key, or undefined when no file can: an empty
 * key, a folder-like key (trailing `/`), an empty, `.` or `..` segment, a NUL, a segment longer
 * than a file name may be.
 */
export function lakeRelativePath(key: string): string | undefined {
  if (key === "" || key.includes("\0")) return undefined;
  const segments = key.split("/");
  const ok = segments.every((s) => s !== "" && s !== "." && s !== ".." && Buffer.byteLength(s) <= MAX_NAME_BYTES);
  return ok ? segments.join(sep) : undefined;
}

/** What a file or folder already at a path (or a file where a folder is needed) makes the system answer. */
const CLASH = new Set(["EEXIST", "ENOTDIR", "EISDIR", "ENOTEMPTY", "ENAMETOOLONG"]);

/**
 * `<lakeDir>/<bucket>/<key>` as plain files: each current object is a hard link to its immutable
 * blob, replaced by renaming a new link over it, so a reader sees the old file or the new one,
 * never a torn one. Keys that cannot be a path are left out; of two keys that clash (`a` and
 * `a/b`), the one shown first stays and the other appears when the first goes. Changes of one
 * bucket run one at a time, so pruning an empty folder never races a link into it.
 */
export class LakeView {
  private readonly shown = new Map<string, Set<string>>();
  /** Keys waiting for a clashing file or folder to go, with their blob. */
  private readonly clashed = new Map<string, Map<string, string>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  private readonly lakeDir: string;
  private readonly tmpDir: string;

  constructor(lakeDir: string, tmpDir: string) {
    this.lakeDir = lakeDir;
    this.tmpDir = tmpDir;
  }

  /** Shows `blob` as the key's file. */
  show(bucket: string, key: string, blob: string): Promise<void> {
    return this.serial(bucket, () => this.link(bucket, key, blob));
  }

  /** Takes the key's file away (a deleted object, or a delete marker on top). */
  hide(bucket: string, key: string): Promise<void> {
    return this.serial(bucket, async () => {
      this.clashedOf(bucket).delete(key);
      if (!this.shownOf(bucket).delete(key)) return;
      const path = join(this.lakeDir, bucket, lakeRelativePath(key)!);
      // A folder of the path replaced by a file (by hand) means the file is gone already.
      try {
        rmSync(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") throw error;
      }
      await this.prune(bucket, dirname(path));
      // Keys that clashed with this one's file or folders may fit now.
      for (const [other, blob] of [...this.clashedOf(bucket)]) {
        if (other.startsWith(`${key}/`) || key.startsWith(`${other}/`)) await this.link(bucket, other, blob);
      }
    });
  }

  /** Removes a bucket's folder (the bucket is empty, so it holds no file). */
  drop(bucket: string): Promise<void> {
    return this.serial(bucket, async () => {
      this.shown.delete(bucket);
      this.clashed.delete(bucket);
      await rm(join(this.lakeDir, bucket), { recursive: true, force: true });
    });
  }

  /** Takes the folder as a clean close left it: every current key shown but those that clashed. */
  assume(bucket: string, current: Map<string, string>, clashed: string[]): void {
    const shown = this.shownOf(bucket);
    const waiting = this.clashedOf(bucket);
    for (const key of clashed) if (current.has(key)) waiting.set(key, current.get(key)!);
    for (const key of current.keys()) if (lakeRelativePath(key) !== undefined && !waiting.has(key)) shown.add(key);
  }

  /** The keys waiting for a clash to go, by bucket. */
  clashedKeys(): Record<string, string[]> {
    return Object.fromEntries([...this.clashed].filter(([, keys]) => keys.size).map(([bucket, keys]) => [bucket, [...keys.keys()]]));
  }

  /**
   * Makes a bucket's folder show exactly `current` (key → blob path), whatever a previous process
   * left: files that are no current object's blob go, missing links are made.
   */
  reconcile(bucket: string, current: Map<string, string>): Promise<void> {
    return this.serial(bucket, async () => {
      const root = join(this.lakeDir, bucket);
      const shown = this.shownOf(bucket);
      shown.clear();
      this.clashedOf(bucket).clear();
      for (const file of await walk(root)) {
        const key = relative(root, file).split(sep).join("/");
        const blob = current.get(key);
        const same = blob !== undefined && (await sameFile(file, blob));
        if (same) shown.add(key);
        else {
          await rm(file, { recursive: true, force: true });
          await this.prune(bucket, dirname(file));
        }
      }
      for (const [key, blob] of current) if (!shown.has(key)) await this.link(bucket, key, blob);
    });
  }

  /** Synchronous file operations, as the store's own (local/s3/store.ts `writeAtomic` says why). */
  private async link(bucket: string, key: string, blob: string): Promise<void> {
    const rel = lakeRelativePath(key);
    if (rel === undefined) return;
    const path = join(this.lakeDir, bucket, rel);
    const tmp = join(this.tmpDir, `lake-${randomUUID()}`);
    linkSync(blob, tmp);
    try {
      mkdirSync(dirname(path), { recursive: true });
      renameSync(tmp, path);
      this.shownOf(bucket).add(key);
      this.clashedOf(bucket).delete(key);
    } catch (error) {
      rmSync(tmp, { force: true });
      if (!CLASH.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
      this.clashedOf(bucket).set(key, blob);
    }
  }

  /** Removes folders left empty, up to the bucket's folder. */
  private async prune(bucket: string, dir: string): Promise<void> {
    const root = join(this.lakeDir, bucket);
    for (let d = dir; d.startsWith(root + sep); d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        return;
      }
    }
  }

  private serial<T>(bucket: string, task: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(bucket) ?? Promise.resolve()).then(task);
    this.queues.set(bucket, run.catch(() => undefined));
    return run;
  }

  private shownOf(bucket: string): Set<string> {
    let set = this.shown.get(bucket);
    if (!set) this.shown.set(bucket, (set = new Set()));
    return set;
  }

  private clashedOf(bucket: string): Map<string, string> {
    let map = this.clashed.get(bucket);
    if (!map) this.clashed.set(bucket, (map = new Map()));
    return map;
  }
}

/** Every file (and symlink or other non-folder) below a folder; none when it does not exist. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(path)));
    else files.push(path);
  }
  return files;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([lstat(a), stat(b)]);
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}
