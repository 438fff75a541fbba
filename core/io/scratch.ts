import { mkdtemp, rm, mkdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Runs `work` in a fresh scratch folder under `base` and removes it afterwards, whatever happens:
 * a warm Lambda container keeps /tmp between invocations, and it is only 512 MB–10 GB.
 */
export async function withScratch<T>(base: string, label: string, work: (dir: string) => Promise<T>): Promise<T> {
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, `${label.replace(/[^a-zA-Z0-9-]/g, "_")}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
