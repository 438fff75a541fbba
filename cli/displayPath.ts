import { isAbsolute, relative } from "node:path";

/** A path as a person types it from here: relative inside the working directory, absolute outside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  if (!rel) return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
