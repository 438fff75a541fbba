import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

/** `{Error, Cause}` as Step Functions reports a failure. */
export type ExecutionError = { Error: string; Cause: string };

/**
 * One line of an execution's journal. An execution is started once and may be redriven many
 * times; each start or redrive begins an attempt, and an attempt ends with an outcome entry.
 */
export type JournalEntry =
  | { type: "ExecutionStarted"; at: string; pid: number; command: string; executionArn: string; name: string; jobId?: string; startTime: string; input: unknown }
  | { type: "RedriveStarted"; at: string; pid: number; command: string; state: string }
  | { type: "StateEntered"; at: string; state: string; input: unknown }
  | { type: "StateRetried"; at: string; state: string; attempt: number }
  | { type: "StateCaught"; at: string; state: string }
  | { type: "StateExited"; at: string; state: string }
  | { type: "ExecutionSucceeded"; at: string }
  | { type: "ExecutionFailed"; at: string; error: ExecutionError; interrupted?: boolean };

type Started = Extract<JournalEntry, { type: "ExecutionStarted" }>;

/** What the journal says about an execution's latest attempt. */
export type AttemptSummary = {
  started: Started;
  /** The process that ran the latest attempt. */
  pid: number;
  command: string;
  /** The last state the attempt entered, with the input it had: where a redrive starts. */
  lastEntered?: { state: string; input: unknown };
  /** A Catch sent the attempt down the failure path: a terminal data error. */
  caught: boolean;
  outcome?: Extract<JournalEntry, { type: "ExecutionSucceeded" | "ExecutionFailed" }>;
};

/** Reads the latest attempt out of an execution's entries; undefined for an empty or foreign journal. */
export function summarize(entries: JournalEntry[]): AttemptSummary | undefined {
  const started = entries.find((e): e is Started => e.type === "ExecutionStarted");
  if (!started) return undefined;
  const summary: AttemptSummary = { started, pid: started.pid, command: started.command, caught: false };
  for (const e of entries) {
    if (e.type === "RedriveStarted") Object.assign(summary, { pid: e.pid, command: e.command, caught: false, outcome: undefined });
    else if (e.type === "StateEntered") summary.lastEntered = { state: e.state, input: e.input };
    else if (e.type === "StateCaught") summary.caught = true;
    else if (e.type === "ExecutionSucceeded" || e.type === "ExecutionFailed") summary.outcome = e;
  }
  return summary;
}

/**
 * The journal of one execution, appended to as it runs. On disk, every entry is written and
 * fsynced before the call returns, so a process killed at any point leaves a readable journal
 * that ends at the last thing it did (a torn last line is ignored on read).
 */
export class ExecutionJournal {
  private fd: number | undefined;
  private lastEntered: string | undefined;
  private waiters: { state: string; resolve: () => void }[] = [];

  private readonly store: JournalStore;
  readonly name: string;

  constructor(store: JournalStore, name: string) {
    this.store = store;
    this.name = name;
    if (store.dir) this.fd = openSync(join(store.dir, `${name}.jsonl`), "a");
  }

  append(entry: JournalEntry): void {
    // Marked running before the start is written, so no kill can leave an attempt unfound.
    if (entry.type === "ExecutionStarted" || entry.type === "RedriveStarted") this.store.markRunning(this.name);
    if (this.fd !== undefined) {
      writeSync(this.fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(this.fd);
    } else {
      this.store.remember(this.name, entry);
    }
    if (entry.type === "ExecutionSucceeded" || entry.type === "ExecutionFailed") this.store.markDone(this.name);
    if (entry.type === "StateEntered") {
      this.lastEntered = entry.state;
      const ready = this.waiters.filter((w) => w.state === entry.state);
      this.waiters = this.waiters.filter((w) => w.state !== entry.state);
      for (const w of ready) w.resolve();
    }
  }

  /** Resolves once the journal holds the entry for `state` (entered last): a step starts only after it is on disk. */
  whenEntered(state: string): Promise<void> {
    if (this.lastEntered === state) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ state, resolve }));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Where a runtime's journals live: `<state-dir>/executions/<name>.jsonl`, with an empty
 * `running/<name>` file while an attempt has no outcome, so finding interrupted executions reads
 * only those. Without a state dir (tests) the journals are kept in memory, with the same API.
 */
export class JournalStore {
  private readonly memory = new Map<string, JournalEntry[]>();

  /** Reading never writes: a read-only command may look at a writer's journals. */
  readonly dir?: string;

  constructor(dir?: string) {
    this.dir = dir;
  }

  open(name: string): ExecutionJournal {
    if (this.dir) mkdirSync(join(this.dir, "running"), { recursive: true });
    return new ExecutionJournal(this, name);
  }

  read(name: string): JournalEntry[] {
    if (!this.dir) return this.memory.get(name) ?? [];
    const path = join(this.dir, `${name}.jsonl`);
    if (!existsSync(path)) return [];
    const entries: JournalEntry[] = [];
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        break; // the half-written last line of a killed process
      }
    }
    return entries;
  }

  /** Executions whose latest attempt has not recorded an outcome (running, or their process died). */
  running(): string[] {
    if (!this.dir) return [...this.memory.keys()].filter((n) => !summarize(this.read(n))?.outcome);
    return existsSync(join(this.dir, "running")) ? readdirSync(join(this.dir, "running")) : [];
  }

  /** The executions that processed a job, newest first. */
  executionsOf(jobId: string): string[] {
    const names = this.dir ? (existsSync(this.dir) ? readdirSync(this.dir) : []).filter((f) => f.endsWith(".jsonl")).map((f) => f.slice(0, -6)) : [...this.memory.keys()];
    return names
      .map((name) => ({ name, started: summarize(this.read(name))?.started }))
      .filter((e) => e.started?.jobId === jobId)
      .sort((a, b) => b.started!.at.localeCompare(a.started!.at))
      .map((e) => e.name);
  }

  remember(name: string, entry: JournalEntry): void {
    this.memory.set(name, [...(this.memory.get(name) ?? []), entry]);
  }

  markRunning(name: string): void {
    if (this.dir) writeFileSync(join(this.dir, "running", name), "");
  }

  markDone(name: string): void {
    if (this.dir) rmSync(join(this.dir, "running", name), { force: true });
  }
}
