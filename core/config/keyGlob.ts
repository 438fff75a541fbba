import picomatch from "picomatch";

const compiled = new Map<string, (key: string) => boolean>();

/**
 * Whether a key below `incoming/` matches a dataset glob, by picomatch (the matcher of
 * micromatch, fast-glob and chokidar): `*` and `?` stay within one folder, `**` crosses folders
 * (`sales/**\/x.csv` also takes `sales/x.csv`), `{csv,tsv}` and `[12]` work as in a shell. Dot
 * files match too (an uploader's `.csv` is still a file), and so do keys holding a line break
 * (S3 allows them).
 */
export function matchesGlob(glob: string, key: string): boolean {
  let test = compiled.get(glob);
  if (!test) {
    test = picomatch(glob, { dot: true, flags: "s" });
    compiled.set(glob, test);
  }
  return test(key);
}
