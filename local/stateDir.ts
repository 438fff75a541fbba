import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * The file that says a directory is an etl state dir. Written when the runtime creates the dir,
 * so `--fresh` can tell a state dir it may delete from a project it must never touch.
 */
export const STATE_MARKER = ".etl-state";

/** A state dir that cannot be used as asked: printed without a stack, exit code 2. */
export class StateDirError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "StateDirError";
  }
}

function isEmptyDir(dir: string): boolean {
  return readdirSync(dir).length === 0;
}

/** True when `dir` carries the marker, or the layout of a state dir made before markers existed. */
export function isStateDir(dir: string): boolean {
  return existsSync(join(dir, STATE_MARKER)) || existsSync(join(dir, "emulators", "dynamodb"));
}

function writeMarker(dir: string): void {
  writeFileSync(join(dir, STATE_MARKER), `${JSON.stringify({ tool: "etl", createdAt: new Date().toISOString() })}\n`);
}

/**
 * Prepares a state dir for a writing command: creates and marks it if absent. A directory that
 * holds other things is refused (with or without `--fresh`): a state dir is never laid over a
 * project, and `--fresh` (see `clearStateDir`) only ever empties a marked one.
 */
export function prepareStateDir(path: string, options: { fresh?: boolean } = {}): string {
  const dir = resolve(path);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new StateDirError(`--state-dir ${path} is a file, not a directory`);
    if (!isStateDir(dir) && !isEmptyDir(dir)) {
      const what = options.fresh ? "refusing --fresh" : "refusing to use it";
      throw new StateDirError(
        `${what}: ${path} is not an etl state dir (no ${STATE_MARKER} file) and is not empty; pick another --state-dir`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, STATE_MARKER))) writeMarker(dir);
  return dir;
}

/**
 * `--fresh`: empties a state dir that `prepareStateDir` accepted, keeping the marker and the
 * files named in `keep` (the lock this process holds, so no other writer slips in meanwhile).
 */
export function clearStateDir(dir: string, keep: string[]): void {
  if (!existsSync(join(dir, STATE_MARKER))) throw new StateDirError(`refusing --fresh: ${dir} is not an etl state dir`);
  for (const entry of readdirSync(dir)) {
    if (entry !== STATE_MARKER && !keep.includes(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Checks a state dir for a read-only command: it must exist and be one; nothing is created. */
export function existingStateDir(path: string): string {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new StateDirError(`no etl state at ${path}: nothing has run there yet (etl run creates it)`);
  if (!statSync(dir).isDirectory()) throw new StateDirError(`--state-dir ${path} is a file, not a directory`);
  if (!isStateDir(dir)) throw new StateDirError(`${path} is not an etl state dir (no ${STATE_MARKER} file)`);
  return dir;
}
