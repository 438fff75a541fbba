/** What a function has to work on one file with. */
export type FunctionCapacity = { name: string; memoryMb: number; timeoutSeconds: number; storageMb: number };

/**
 * The largest functions, clean and aggregate (stacks/functionSizing.ts takes their size from
 * here): 3008 MB, the most a new account may use without a quota raise (about 1.7 vCPU, two
 * DuckDB threads); Lambda's longest timeout; its largest /tmp.
 */
export const LARGEST_FUNCTION: FunctionCapacity = { name: "clean", memoryMb: 3008, timeoutSeconds: 900, storageMb: 10240 };

/**
 * Measured (README "Performance", docs/bench.md): the 1 GB, 14.1M-row CSV ran `etl run --memory
 * 1024` (one DuckDB thread, 614 MB for DuckDB then, which spilled) end to end in 226 s at 1.37 GB peak
 * RSS, emulators included: about 4.4 MB of CSV per second per thread, for the whole pipeline, so
 * clean alone is faster. Since DuckDB reads plain CSV files itself it took 179 s; the limit keeps
 * the slower measurement, erring low. Memory bounds no file size: DuckDB holds to its limit and spills.
 */
const MEASURED_BYTES_PER_SECOND_PER_THREAD = 1e9 / 226;

/** Lambda's CPU share: one vCPU per 1,769 MB. */
const MB_PER_VCPU = 1769;

/** Clean may spend half its timeout on the file: throughput varies with the file's shape and the host. */
const TIME_SHARE = 0.5;

/** /tmp holds the download (or its gunzipped copy), DuckDB's spill (up to the input again) and the silver written: 2.5× the input. */
const STORAGE_PER_INPUT_BYTE = 2.5;

/** The largest file a function handles, and which of its limits decides it. */
export type FileLimit = { bytes: number; bound: "timeout" | "storage"; capacity: FunctionCapacity; bytesPerSecond: number };

/** The largest (uncompressed) file `capacity` handles within both its timeout and its /tmp. */
export function largestFile(capacity: FunctionCapacity = LARGEST_FUNCTION): FileLimit {
  const threads = Math.max(1, Math.ceil(capacity.memoryMb / MB_PER_VCPU));
  const bytesPerSecond = MEASURED_BYTES_PER_SECOND_PER_THREAD * threads;
  const byTime = Math.floor(capacity.timeoutSeconds * TIME_SHARE * bytesPerSecond);
  const byStorage = Math.floor((capacity.storageMb * 1024 ** 2) / STORAGE_PER_INPUT_BYTE);
  return byTime <= byStorage
    ? { bytes: byTime, bound: "timeout", capacity, bytesPerSecond }
    : { bytes: byStorage, bound: "storage", capacity, bytesPerSecond };
}

/** Bytes as a person reads them: `3.98 GB`, `812 MB`, `12 KB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(0)} MB`;
  return bytes >= 1e3 ? `${(bytes / 1e3).toFixed(0)} KB` : `${bytes} bytes`;
}

/**
 * Why a file of `size` bytes is refused, naming the limit, the size and what to do. `limit` is
 * the setting in force (`ETL_MAX_FILE_BYTES`, by default `largestFile().bytes`).
 */
export function tooLargeMessage(fileName: string, size: number, limit: number): string {
  const derived = largestFile();
  const { capacity: c } = derived;
  const why =
    limit !== derived.bytes
      ? `the limit of ${formatBytes(limit)} (${limit} bytes) set by ETL_MAX_FILE_BYTES`
      : derived.bound === "timeout"
        ? `the ${formatBytes(limit)} the largest function handles (${c.name}: ${c.memoryMb} MB, ${c.timeoutSeconds / 60} minutes, ` +
          `${c.storageMb} MB of /tmp): at the measured ${(derived.bytesPerSecond / 1e6).toFixed(1)} MB/s it would need more than half its ${c.timeoutSeconds / 60}-minute timeout`
        : `the ${formatBytes(limit)} the largest function's ${c.storageMb} MB of /tmp holds with its spill and output (${c.name}: ${c.memoryMb} MB, ${c.timeoutSeconds / 60} minutes)`;
  return (
    `${fileName} is ${formatBytes(size)} (${size} bytes), over ${why}; nothing was processed. ` +
    `Split it into files under ${formatBytes(limit)} and upload those, or raise the sizing (core/job/fileLimits.ts LARGEST_FUNCTION, ETL_MAX_FILE_BYTES)`
  );
}
