import { closeSync, fsyncSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The lock file's name in a state dir. */
export const LOCK_FILE = "lock";

/** Who holds a state dir's lock. */
export type LockHolder = { pid: number; command: string; since: string };

/** Another live process holds the lock: printed without a stack, exit code 2. */
export class LockBusyError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "LockBusyError";
  }
}

/** A lock held by this process; `release` is idempotent and also runs at process exit. */
export type HeldLock = { path: string; release: () => void };

/** True while a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The holder named in a lock file; undefined when there is none or it is still being written. */
export function readLock(stateDir: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(join(stateDir, LOCK_FILE), "utf8")) as LockHolder;
    return Number.isInteger(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** A file older than this that still holds no readable lock was left half-written by a dead process. */
const HALF_WRITTEN_MS = 5_000;

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Creates `path` only if absent (O_EXCL), with `content` flushed to disk; false when it exists. */
function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a lock whose holder is dead. Two processes may find the same dead holder at once, so
 * the removal itself runs under a short-lived `lock.takeover` file, and the lock is re-read
 * under it: only a lock still naming the dead pid is removed, never one just taken by the other.
 */
function takeOver(stateDir: string, dead: LockHolder | undefined): void {
  const guard = join(stateDir, `${LOCK_FILE}.takeover`);
  if (!createExclusive(guard, String(process.pid))) {
    if (ageMs(guard) > HALF_WRITTEN_MS) rmSync(guard, { force: true });
    return;
  }
  try {
    const now = readLock(stateDir);
    const same = dead ? now?.pid === dead.pid && now.since === dead.since : now === undefined;
    if (same) rmSync(join(stateDir, LOCK_FILE), { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * Takes the state dir's writer lock for `command`. A live holder is waited for up to `waitMs`,
 * then refused with its pid and command; a dead holder's lock is taken over. Readers never call this.
 */
export async function acquireLock(stateDir: string, command: string, options: { waitMs?: number; pollMs?: number } = {}): Promise<HeldLock> {
  const path = join(stateDir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, command, since: new Date().toISOString() };
  const deadline = Date.now() + (options.waitMs ?? 0);
  let announced = false;
  for (;;) {
    if (createExclusive(path, `${JSON.stringify(holder)}\n`)) break;
    const other = readLock(stateDir);
    if (other ? !isAlive(other.pid) : ageMs(path) > HALF_WRITTEN_MS) {
      takeOver(stateDir, other);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = other ? `pid ${other.pid} (etl ${other.command}, since ${other.since})` : "another process";
      throw new LockBusyError(
        `state dir ${stateDir} is in use by ${who}; wait for it to finish (--lock-wait SECONDS) or use another --state-dir`,
      );
    }
    if (!announced && other) process.stderr.write(`waiting for pid ${other.pid} (etl ${other.command}) to release ${path}\n`);
    announced = true;
    await sleep(options.pollMs ?? 200);
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    if (readLock(stateDir)?.pid === process.pid) rmSync(path, { force: true });
  };
  process.on("exit", release);
  return { path, release };
}
