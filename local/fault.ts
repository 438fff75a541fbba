import { STEPS, type Step } from "../core/steps.ts";

/**
 * A fault the local runtime injects into a step, from `ETL_FAULT` (comma-separated):
 * - `kill:<step>`: SIGKILL this process on entering the step (after its journal entry is on disk);
 * - `kill:<step>:<n>`: SIGKILL it right after the step's n-th object write;
 * - `throw:<step>:<ErrorName>[:<times>]`: the step throws an error of that name, every time or
 *   only its first `times` invocations in each execution (so `throw:clean:TransientError:2` is
 *   retried by the state machine and then passes).
 * Handlers and core know nothing of it: the runtime applies it around the handler call.
 */
export type Fault =
  | { kind: "kill"; step: Step; afterWrites?: number }
  | { kind: "throw"; step: Step; error: string; times?: number };

/** A malformed `ETL_FAULT`: printed without a stack, exit code 2. */
export class FaultSpecError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "FaultSpecError";
  }
}

const FORMS = "kill:<step>, kill:<step>:<n> or throw:<step>:<ErrorName>[:<times>]";

function count(text: string, what: string, spec: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new FaultSpecError(`ETL_FAULT=${spec}: ${what} must be a whole number ≥ 1, not "${text}"`);
  return n;
}

/** Parses `ETL_FAULT`; empty or absent means no faults. */
export function parseFaults(spec: string | undefined): Fault[] {
  if (!spec?.trim()) return [];
  return spec.split(",").map((one) => {
    const [kind, stepName = "", ...rest] = one.trim().split(":");
    const step = stepName.toLowerCase() as Step;
    if (!STEPS.includes(step)) throw new FaultSpecError(`ETL_FAULT=${one}: no step "${stepName}"; the steps are ${STEPS.join(", ")}`);
    if (kind === "kill" && rest.length <= 1) {
      return { kind, step, ...(rest.length ? { afterWrites: count(rest[0], "the write count", one) } : {}) };
    }
    if (kind === "throw" && rest.length >= 1 && rest.length <= 2 && /^[A-Za-z_][\w.]*$/.test(rest[0])) {
      return { kind, step, error: rest[0], ...(rest.length === 2 ? { times: count(rest[1], "the number of times", one) } : {}) };
    }
    throw new FaultSpecError(`ETL_FAULT=${one}: expected ${FORMS}`);
  });
}

function kill(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL did not end the process");
}

/** Applies parsed faults; counts are kept per execution and step. */
export class FaultInjector {
  private readonly counts = new Map<string, number>();

  readonly faults: Fault[];

  constructor(faults: Fault[]) {
    this.faults = faults;
  }

  /** True when a fault needs the steps' object writes counted. */
  get countsWrites(): boolean {
    return this.faults.some((f) => f.kind === "kill" && f.afterWrites !== undefined);
  }

  private bump(what: string, execution: string, step: Step): number {
    const key = `${what}\u0000${execution}\u0000${step}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }

  /** Called as a step's handler is about to run, after its journal entry is flushed. */
  beforeStep(step: Step, execution: string): void {
    for (const f of this.faults) {
      if (f.step !== step) continue;
      if (f.kind === "kill" && f.afterWrites === undefined) kill();
      if (f.kind === "throw" && (f.times === undefined || this.bump("throw", execution, step) <= f.times)) {
        const error = new Error(`injected by ETL_FAULT: ${f.error} from ${step}`);
        error.name = f.error;
        throw error;
      }
    }
  }

  /** Called after each object write a step made. */
  afterWrite(step: Step, execution: string): void {
    const n = this.bump("write", execution, step);
    for (const f of this.faults) if (f.kind === "kill" && f.step === step && f.afterWrites === n) kill();
  }
}
