import { mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ObjectStore } from "../core/io/objectStore.ts";
import { LOCAL_NAMES } from "./localEnv.ts";

/**
 * Keeps `<lakeDir>/<bucket>/<key>` equal to the emulated buckets, so the lake is plain files that
 * DuckDB or pandas read directly. Only changed objects are fetched (by ETag); files of deleted
 * objects go away. Keys that would land outside the folder (`..`) are left out.
 */
export async function mirrorLake(lakeDir: string): Promise<void> {
  const root = resolve(lakeDir);
  const indexFile = join(root, ".index.json");
  const previous: Record<string, string> = JSON.parse(await readFile(indexFile, "utf8").catch(() => "{}"));
  const next: Record<string, string> = {};
  const s3 = new S3Client({ forcePathStyle: true });
  const store = new ObjectStore(s3);
  try {
    for (const bucket of [LOCAL_NAMES.rawBucket, LOCAL_NAMES.lakeBucket]) {
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          const path = resolve(root, bucket, o.Key!);
          // A key is a path below its bucket's folder, or it is left out: `..` must not reach another bucket.
          if (!path.startsWith(resolve(root, bucket) + sep) || o.Key!.split("/").some((part) => part === ".." || part === ".")) continue;
          const id = `${bucket}/${o.Key}`;
          if (previous[id] !== (o.ETag ?? "") && !(await downloadAsFile(store, bucket, o.Key!, path))) continue;
          next[id] = o.ETag ?? "";
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
  } finally {
    s3.destroy();
  }
  for (const id of Object.keys(previous)) {
    if (!(id in next)) await removeFile(root, resolve(root, id));
  }
  await mkdir(root, { recursive: true });
  await writeFile(indexFile, JSON.stringify(next));
}

/**
 * Downloads an object to its path, or reports false when the key cannot be a file there: a key
 * ending in `/`, or one clashing with another key's folder (`a` and `a/b`), or an object gone
 * since it was listed. Those keys stay out of the plain-file view and never break a later run.
 */
async function downloadAsFile(store: ObjectStore, bucket: string, key: string, path: string): Promise<boolean> {
  if (key.endsWith("/")) return false;
  try {
    await store.download({ bucket, key }, path);
    return true;
  } catch (error) {
    if (["EEXIST", "ENOTDIR", "EISDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return false;
    // Deleted since it was listed (a concurrent execution's staging): the next mirror sees the truth.
    if ((error as Error).name === "NoSuchKey") return false;
    throw error;
  }
}

/** Removes a file and the folders it leaves empty, up to the lake root. */
async function removeFile(root: string, path: string): Promise<void> {
  await rm(path, { force: true });
  for (let dir = dirname(path); dir.startsWith(root + sep); dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      break;
    }
  }
}
