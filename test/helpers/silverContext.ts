import type { SilverContext } from "../../core/silver/buildSilver.ts";

/** The job context a unit test cleans a fixture under: fixed ids and times, named after the file. */
export function silverContext(fileName: string): SilverContext {
  return { jobId: "j", sourceKey: fileName, sourceId: "s", processedAt: "2026-01-01T00:00:00Z", ingestDate: "2026-01-01", fileName };
}
