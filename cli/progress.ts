import ora, { type Ora } from "ora";
import type { JobRecord } from "../core/job/jobRecord.ts";
import { STEPS, stateName } from "../core/steps.ts";
import type { ExecutionRef } from "../local/runtime.ts";
import { colour } from "./colour.ts";

const TASK_STATES = new Map<string, (typeof STEPS)[number]>(STEPS.map((s) => [stateName(s), s]));

/** A spinner appears only once a step has run this long, so fast steps print just their line. */
const SPINNER_AFTER_MS = 1000;

const n = (x: number) => x.toLocaleString("en-US");

/** What a finished step did, in rows, from the job record. */
export function stepLine(state: string, job: JobRecord | undefined): string {
  const step = TASK_STATES.get(state);
  const timing = step && job?.steps?.[step];
  const took = timing?.durationMs === undefined ? "" : `${(timing.durationMs / 1000).toFixed(1)} s`;
  if (timing?.failed) return `${state} ${took}`.trimEnd() + "  failed";
  const s = job?.stats;
  let rows = "";
  if (step === "clean" && s) {
    rows = `${n(s.inputRows)} rows → ${n(s.silverRows)} silver, ${n(s.duplicateRows)} duplicates`;
    if (s.quarantinedRows) rows += `, ${n(s.quarantinedRows)} quarantined`;
    if (s.droppedRows) rows += `, ${n(s.droppedRows)} dropped`;
  } else if (step === "load" && s) rows = `${n(s.goldRows)} gold rows`;
  else if (step === "extract" && job?.format) rows = `${job.format.format}${job.format.compression !== "none" ? ` (${job.format.compression})` : ""}`;
  return [`${state} ${took}`.trimEnd(), rows].filter(Boolean).join("  ");
}

/**
 * Progress of executions on stderr: a line per step as it completes, with its duration and row
 * counts (read from the job record the step just wrote), and on a terminal a spinner while a
 * step runs longer than a second. Nothing goes to stdout; colours follow colour.ts.
 */
export class Progress {
  private queue: Promise<void> = Promise.resolve();
  private spinner: Ora | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly stream = process.stderr;

  private readonly readJob: (jobId: string) => Promise<JobRecord | undefined>;
  /** With several executions at once, lines carry their key and no spinner is drawn. */
  private readonly concurrent: boolean;

  constructor(readJob: (jobId: string) => Promise<JobRecord | undefined>, concurrent: boolean) {
    this.readJob = readJob;
    this.concurrent = concurrent;
  }

  /** Writes a line of its own (clearing the spinner around it). */
  line(text: string): void {
    this.queue = this.queue.then(() => this.write(text));
  }

  entered(state: string): void {
    if (!TASK_STATES.has(state) || this.concurrent || !this.stream.isTTY) return;
    this.clearSpinner();
    this.timer = setTimeout(() => {
      this.spinner = ora({ text: `${state}…`, stream: this.stream, indent: 2, color: process.env.NO_COLOR ? false : "cyan" }).start();
    }, SPINNER_AFTER_MS);
    this.timer.unref();
  }

  exited(state: string, ref: ExecutionRef): void {
    if (!TASK_STATES.has(state)) return;
    this.clearSpinner();
    this.queue = this.queue.then(async () => {
      const job = ref.jobId ? await this.readJob(ref.jobId).catch(() => undefined) : undefined;
      const prefix = this.concurrent ? `${ref.key} ` : "";
      // A step that failed into the Catch path exits too: its record says so.
      const step = TASK_STATES.get(state)!;
      const failed = job?.steps?.[step]?.failed;
      this.write(`${failed ? colour(this.stream, "red", "✘") : colour(this.stream, "green", "✔")} ${prefix}${stepLine(state, job)}`);
    });
  }

  /** Waits for the lines still being written (before a job's summary is printed). */
  async flush(): Promise<void> {
    this.clearSpinner();
    await this.queue;
  }

  private clearSpinner(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.spinner?.stop();
    this.spinner = undefined;
  }

  private write(text: string): void {
    const spinning = this.spinner?.isSpinning;
    if (spinning) this.spinner!.clear();
    this.stream.write(`  ${text}\n`);
    if (spinning) this.spinner!.render();
  }
}
