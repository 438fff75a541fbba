import { mkdirSync, rmSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { ObjectStore } from "../core/io/objectStore.ts";
import { StateMachine, type StateMachineDefinition as LocalDefinition } from "aws-local-stepfunctions";
import type { EtlConfig } from "../core/config/defineConfig.ts";
import { DATASET_METADATA } from "../core/config/matchDataset.ts";
import { decodeEventKey, jobIdOfEvent, objectCreatedEvent, type ObjectCreatedEvent } from "../core/events/objectCreated.ts";
import { STEPS, stateName, type Step } from "../core/steps.ts";
import { FAILURE_STATES, pipelineDefinition, type StateMachineDefinition } from "../workflows/pipeline.ts";
import { startEmulators, type Emulators } from "./emulators.ts";
import { FaultInjector, parseFaults } from "./fault.ts";
import { observeStepWrites, stepScope } from "./faultWrites.ts";
import { loadHandlers, localFunctionArns, type Handlers } from "./handlers.ts";
import { JournalStore, summarize, type ExecutionError, type ExecutionJournal } from "./journal.ts";
import { asLambdaTask } from "./lambdaInvoke.ts";
import { LOCAL_NAMES, localEnv } from "./localEnv.ts";
import { acquireLock, LOCK_FILE, type HeldLock } from "./lock.ts";
import { ensureResources } from "./resources.ts";
import type { Denial } from "./iam/authorize.ts";
import { guardEmulators } from "./iam/guardEmulators.ts";
import { s3Authorizer } from "./iam/s3Authorizer.ts";
import { functionAccessKey, functionPrincipals } from "./iam/principals.ts";
import type { FunctionName } from "../stacks/handlers.ts";
import type { Permission } from "../stacks/policies.ts";
import { clearStateDir, prepareStateDir } from "./stateDir.ts";
import { localCatalogDir } from "./glue/glueServer.ts";

/** How one local execution ended. */
export type ExecutionOutcome = {
  executionArn: string;
  status: "SUCCEEDED" | "FAILED";
  output?: Record<string, unknown>;
  error?: ExecutionError;
  durationMs: number;
};

/** Which execution a progress callback is about. */
export type ExecutionRef = { name: string; key: string; jobId?: string };

/** An execution whose process ended before it did, found when a writing command starts. */
export type InterruptedJob = { jobId?: string; executionName: string; state?: string; key: string; pid: number };

/** Options of a local runtime. */
export type RuntimeOptions = {
  /** Keep emulator state, journals and scratch here across runs; in memory when absent. */
  stateDir?: string;
  /** Empty the state directory first (only a marked state dir; see stateDir.ts). */
  fresh?: boolean;
  /** Another config than `etl.config.ts`. */
  config?: EtlConfig;
  /** Pauses between retries, in ms, by state name: keeps retry paths fast in tests. */
  retryIntervals?: Record<string, number>;
  /**
   * Each function's AWS calls are checked against its IAM policy, as on AWS (on unless false).
   * `permissions` replaces the grants of stacks/policies.ts (tests take one away).
   */
  iam?: false | { permissions?: Record<FunctionName, Permission[]> };
  /** Called as an execution enters each state. */
  onState?: (state: string, execution: ExecutionRef) => void;
  /** Called as an execution leaves a state it completed (not one that failed or was caught). */
  onStateExited?: (state: string, execution: ExecutionRef) => void;
  /** The writing command, named in the state dir's lock (default `runtime`). */
  command?: string;
  /** How long to wait for another writer's lock on the state dir before refusing (default 0). */
  lockWaitMs?: number;
  /** Fault injection spec (default `ETL_FAULT`; see fault.ts). */
  faults?: string;
  /** Only looking (`etl replay --dry-run`): interrupted executions are left for the next writer to record. */
  readOnly?: boolean;
  /**
   * Runs the functions as a deployed stage's (their `ETL_STAGE`, which stacks/ sets): alerts name
   * it in their `etl` commands. A shell's `ETL_STAGE` is not read: a local run has no stage.
   */
  stage?: string;
};

/** A redrive the journal does not allow: printed without a stack, exit code 2. */
export class RedriveRefusedError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "RedriveRefusedError";
  }
}

let lastSequencer = 0n;

/** S3's sequencer orders events of one key; a later upload gets a larger one, also across concurrent uploads. */
function nextSequencer(): string {
  const now = BigInt(Date.now()) << 24n;
  lastSequencer = now > lastSequencer ? now : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, "0");
}

const STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:stateMachine:${LOCAL_NAMES.stateMachine}`;

function executionArnOf(name: string): string {
  return `arn:aws:states:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:execution:${LOCAL_NAMES.stateMachine}:${name}`;
}

function jobIdOf(event: unknown): string | undefined {
  try {
    return jobIdOfEvent(event as ObjectCreatedEvent);
  } catch {
    return undefined;
  }
}

function keyOf(event: unknown): string {
  const key = (event as ObjectCreatedEvent | undefined)?.detail?.object?.key;
  return typeof key === "string" ? decodeEventKey(key) : "?";
}

/**
 * The definition started at another state, as a redrive resumes it: the states it can no longer
 * reach (those before it) are left out, so nothing before it can run and the ASL stays valid.
 */
export function startingAt(definition: StateMachineDefinition, startAt: string | undefined): StateMachineDefinition {
  if (!startAt || startAt === definition.StartAt) return definition;
  if (!definition.States[startAt]) throw new RedriveRefusedError(`the state machine has no state ${startAt} to redrive from`);
  const reachable = new Set<string>();
  const visit = (name: string) => {
    if (reachable.has(name) || !definition.States[name]) return;
    reachable.add(name);
    const s = definition.States[name] as { Next?: string; Default?: string; Choices?: { Next: string }[]; Catch?: { Next: string }[] };
    for (const next of [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)]) if (next) visit(next);
  };
  visit(startAt);
  return { ...definition, StartAt: startAt, States: Object.fromEntries(Object.entries(definition.States).filter(([n]) => reachable.has(n))) };
}

/** Where an execution starts and with what: a fresh one at StartAt with the event, a redrive at its failed state. */
type Attempt = { name: string; event: unknown; startTime: string; startAt?: string; input: unknown; journal: ExecutionJournal };

/**
 * The pipeline on one machine: emulators, the same resources, the same state machine definition
 * and the same handlers as on AWS. Only the endpoints differ (docs/design.md decision 6).
 *
 * Executions may run concurrently (`execute` called again before the last one finished): each
 * keeps its own journal, fault counts and progress, and shares only the emulators and handlers,
 * as Lambda executions share AWS.
 */
export class LocalRuntime {
  /** Executions found interrupted when this runtime started (their process is gone). */
  interrupted: InterruptedJob[] = [];
  private readonly running = new Set<string>();

  readonly emulators: Emulators;
  readonly env: Record<string, string>;
  readonly alertsQueueUrl: string;
  private readonly handlers: Handlers;
  private readonly options: RuntimeOptions;
  /** Every call the IAM check refused, oldest first. */
  readonly denials: Denial[];
  private readonly journals: JournalStore;
  private readonly faults: FaultInjector;
  private readonly lock: HeldLock | undefined;

  private constructor(
    emulators: Emulators,
    env: Record<string, string>,
    alertsQueueUrl: string,
    handlers: Handlers,
    options: RuntimeOptions,
    denials: Denial[],
    journals: JournalStore,
    faults: FaultInjector,
    lock: HeldLock | undefined,
  ) {
    this.emulators = emulators;
    this.env = env;
    this.alertsQueueUrl = alertsQueueUrl;
    this.handlers = handlers;
    this.options = options;
    this.denials = denials;
    this.journals = journals;
    this.faults = faults;
    this.lock = lock;
  }

  /**
   * Starts emulators, points this process's AWS clients at them, creates resources, loads handlers.
   * With a state dir: checks it is one (or creates and marks it), takes its writer lock, empties it
   * on `fresh`, reclaims the scratch of killed attempts and reports interrupted executions.
   */
  static async start(options: RuntimeOptions = {}): Promise<LocalRuntime> {
    const faults = new FaultInjector(parseFaults(options.faults ?? process.env.ETL_FAULT));
    const stateDir = options.stateDir ? prepareStateDir(options.stateDir, { fresh: options.fresh }) : undefined;
    const lock = stateDir ? await acquireLock(stateDir, options.command ?? "runtime", { waitMs: options.lockWaitMs }) : undefined;
    let emulators: Emulators | undefined;
    try {
      if (stateDir && options.fresh) clearStateDir(stateDir, [LOCK_FILE]);
      const denials: Denial[] = [];
      const principals = options.iam === false ? undefined : functionPrincipals(options.iam?.permissions);
      const s3 = principals && s3Authorizer(principals, (d) => denials.push(d));
      const raw = await startEmulators(stateDir && join(stateDir, "emulators"), {
        s3Hooks: s3 && { authorize: s3.authorize, notFound: s3.missingKeyDenial },
        catalogDir: stateDir && localCatalogDir(stateDir),
      });
      emulators = principals ? await guardEmulators(raw, principals, (d) => denials.push(d)) : raw;
      const scratch = join(stateDir ?? join(process.env.TMPDIR ?? "/tmp", "etl-local"), "scratch");
      // Holding the lock, nothing else uses this state dir's scratch: what is there, killed attempts left.
      if (stateDir) rmSync(scratch, { recursive: true, force: true });
      mkdirSync(scratch, { recursive: true });
      const env = localEnv(emulators, scratch, options.stage);
      // A shell's ETL_STAGE is not the functions': assigning the local environment would keep it.
      delete process.env.ETL_STAGE;
      Object.assign(process.env, env);
      const { alertsQueueUrl } = await ensureResources();
      // Each function signs with its own access key id, which names its policy to the IAM check.
      (await import("../functions/services.ts")).resetServices(options.config, {
        env: (fn) => ({ AWS_ACCESS_KEY_ID: functionAccessKey(fn) }),
      });
      const handlers = await loadHandlers();
      if (faults.countsWrites) observeStepWrites((step, execution) => faults.afterWrite(step, execution));
      const journals = new JournalStore(stateDir && join(stateDir, "executions"));
      const runtime = new LocalRuntime(emulators, env, alertsQueueUrl, handlers, { ...options, stateDir }, denials, journals, faults, lock);
      if (!options.readOnly) runtime.interrupted = await runtime.reportInterrupted();
      return runtime;
    } catch (error) {
      // Nothing may keep the process alive or the state dir locked after a failed start.
      await emulators?.stop().catch(() => undefined);
      lock?.release();
      throw error;
    }
  }

  /**
   * Puts a local file under `key` in the raw bucket and returns the event S3 would send, with the
   * version id the (versioned) bucket gave it; `dataset` goes into the object's metadata, as an
   * uploader would set it.
   */
  async upload(file: string, key: string, dataset?: string): Promise<ObjectCreatedEvent> {
    const s3 = new S3Client({ forcePathStyle: true });
    const { size } = await stat(file);
    const { etag, versionId } = await new ObjectStore(s3).upload(file, { bucket: LOCAL_NAMES.rawBucket, key }, {
      metadata: dataset ? { [DATASET_METADATA]: dataset } : undefined,
    });
    s3.destroy();
    return objectCreatedEvent({ bucket: LOCAL_NAMES.rawBucket, key, size, etag: etag ?? "", versionId, sequencer: nextSequencer() });
  }

  /**
   * Runs one execution of the state machine on an event. A failed execution is then reported the
   * way AWS's status-change rule reports it, to the same failure handler.
   */
  async execute(event: unknown): Promise<ExecutionOutcome> {
    const name = crypto.randomUUID();
    const startTime = new Date().toISOString();
    const journal = this.journals.open(name);
    journal.append({
      type: "ExecutionStarted",
      at: startTime,
      pid: process.pid,
      command: this.options.command ?? "runtime",
      executionArn: executionArnOf(name),
      name,
      jobId: jobIdOf(event),
      startTime,
      input: event,
    });
    return this.run({ name, event, startTime, input: event, journal });
  }

  /**
   * Redrives a job's execution as Step Functions does: the state it failed at (or was
   * interrupted in) runs again with the input it had, under the same execution id, so the job
   * resumes (attempts counted) and nothing before that state runs again. Returns the event too,
   * for reporting. A Catch-path failure (a terminal data error) is refused: the same file would
   * fail the same way.
   */
  async redrive(jobId: string): Promise<{ event: ObjectCreatedEvent; outcome: ExecutionOutcome }> {
    const name = await this.executionOf(jobId);
    let summary = summarize(this.journals.read(name));
    if (!summary) throw new RedriveRefusedError(`job ${jobId}: the journal of execution ${name} is empty; nothing to redrive`);
    if (!summary.outcome) {
      if (this.running.has(name)) throw new RedriveRefusedError(`job ${jobId} is still running in this process`);
      await this.recordInterrupted(name);
      summary = summarize(this.journals.read(name))!;
    }
    if (summary.outcome?.type === "ExecutionSucceeded") {
      throw new RedriveRefusedError(`job ${jobId}: its execution succeeded; there is nothing to redrive`);
    }
    const error = summary.outcome?.type === "ExecutionFailed" ? summary.outcome.error : undefined;
    if (summary.caught) {
      throw new RedriveRefusedError(
        `job ${jobId} failed on the Catch path (${error?.Error ?? "a terminal data error"}): the file itself cannot pass, so a redrive would fail the same way. ` +
          `Fix the file and upload it again, or re-process it from bronze with \`etl replay ${jobId}\`.`,
      );
    }
    const at = summary.lastEntered;
    if (!at) throw new RedriveRefusedError(`job ${jobId}: its execution failed before entering any state; run the file again`);
    const journal = this.journals.open(name);
    journal.append({ type: "RedriveStarted", at: new Date().toISOString(), pid: process.pid, command: this.options.command ?? "runtime", state: at.state });
    const { input: event, startTime } = summary.started;
    const outcome = await this.run({ name, event, startTime, startAt: at.state, input: at.input, journal });
    return { event: event as ObjectCreatedEvent, outcome };
  }

  /** The execution a job ran in: the one its record names, else the newest journal of its job id. */
  private async executionOf(jobId: string): Promise<string> {
    const { getServices } = await import("../functions/services.ts");
    const record = await getServices().jobs.get(jobId).catch(() => undefined);
    const fromRecord = record?.execution_id.split(":").pop();
    if (fromRecord && this.journals.read(fromRecord).length) return fromRecord;
    const [newest] = this.journals.executionsOf(jobId);
    if (!newest) throw new RedriveRefusedError(`no execution of job ${jobId} in this state dir (see etl jobs)`);
    return newest;
  }

  private async run(attempt: Attempt): Promise<ExecutionOutcome> {
    const { name, event, journal } = attempt;
    const executionArn = executionArnOf(name);
    let machine: StateMachine;
    try {
      const definition = startingAt(pipelineDefinition(localFunctionArns()), attempt.startAt);
      // The same JSON AWS receives; the library types states more narrowly than a plain record. It
      // is code, validated as AWS validates it, once, at deploy: test/workflow/pipeline.test.ts checks
      // it and each redrive start of it. Validating it again on every execution cost 0.1-0.26 s each.
      machine = new StateMachine(definition as unknown as LocalDefinition, { validationOptions: { noValidate: true } });
    } catch (error) {
      // Nothing ran: the attempt ends here, so it is not taken for an interrupted one later.
      journal.append({ type: "ExecutionFailed", at: new Date().toISOString(), error: { Error: (error as Error).name, Cause: (error as Error).message } });
      journal.close();
      throw error;
    }
    const tasks = Object.fromEntries([
      ...STEPS.map((step) => [stateName(step), this.task(step, stateName(step), attempt)]),
      [FAILURE_STATES.record, this.task("fail", FAILURE_STATES.record, attempt)],
    ]);
    const started = Date.now();
    this.running.add(name);
    const execution = machine.run(attempt.input as Parameters<typeof machine.run>[0], {
      overrides: { taskResourceLocalHandlers: tasks, retryIntervalOverrides: this.options.retryIntervals },
      context: {
        Execution: { Id: executionArn, Name: name, Input: event as Record<string, never>, StartTime: attempt.startTime },
        StateMachine: { Id: STATE_MACHINE_ARN, Name: LOCAL_NAMES.stateMachine },
      },
    });
    const progress = this.follow(execution.eventLogs, journal, { name, key: keyOf(event), jobId: jobIdOf(event) });
    try {
      const output = (await execution.result) as Record<string, unknown>;
      await progress;
      journal.append({ type: "ExecutionSucceeded", at: new Date().toISOString() });
      return { executionArn, status: "SUCCEEDED", output, durationMs: Date.now() - started };
    } catch (failure) {
      await progress;
      const cause = (failure as Error).cause as Error | undefined;
      const error = { Error: cause?.name ?? (failure as Error).name, Cause: cause?.message ?? String(failure) };
      journal.append({ type: "ExecutionFailed", at: new Date().toISOString(), error });
      await this.reportFailure(executionArn, event, error);
      return { executionArn, status: "FAILED", error, durationMs: Date.now() - started };
    } finally {
      this.running.delete(name);
      journal.close();
    }
  }

  /**
   * A state's Lambda task: starts only once the state's journal entry is on disk, then applies
   * any injected fault, then calls the handler inside the step's scope (which attributes its
   * object writes to this execution and step).
   */
  private task(step: Step | "fail", state: string, attempt: Attempt): (input: unknown) => Promise<unknown> {
    const handler = this.handlers[step];
    const call = asLambdaTask(async (input) => {
      if (step === "fail") return handler(input);
      try {
        this.faults.beforeStep(step, attempt.name);
      } catch (fault) {
        // A handler's first act is to record its step in the job: an injected failure looks the
        // same, so the job record, the alert and `etl job` name the step the fault was put in.
        const jobId = (input as { extract?: { job?: { jobId?: string } } } | undefined)?.extract?.job?.jobId;
        if (jobId) await (await import("../functions/services.ts")).getServices(step).jobs.enterStep(jobId, step);
        throw fault;
      }
      return stepScope.run({ step, execution: attempt.name }, () => handler(input));
    });
    return async (input) => {
      await attempt.journal.whenEntered(state);
      return call(input);
    };
  }

  /** EventBridge's status-change rule, locally: the failure handler marks the job FAILED and alerts once. */
  private async reportFailure(executionArn: string, event: unknown, error: ExecutionError): Promise<void> {
    // EventBridge would retry a failing target; locally the failure is reported and the run goes on.
    await this.handlers
      .fail({
        "detail-type": "Step Functions Execution Status Change",
        source: "aws.states",
        detail: { executionArn, status: "FAILED", input: JSON.stringify(event), error: error.Error, cause: error.Cause },
      })
      .catch((e: Error) => process.stderr.write(`failure alert for ${executionArn} not sent: ${e.message}\n`));
  }

  /**
   * Ends an execution whose process died: its journal gets the failure and the job is marked
   * FAILED the way AWS reports a step that never answered, so `etl redrive` can resume it.
   */
  private async recordInterrupted(name: string): Promise<InterruptedJob | undefined> {
    const summary = summarize(this.journals.read(name));
    const journal = this.journals.open(name);
    try {
      if (!summary || summary.outcome) {
        if (!summary) journal.append({ type: "ExecutionFailed", at: new Date().toISOString(), error: { Error: "ExecutionInterrupted", Cause: "killed before it started" }, interrupted: true });
        return undefined;
      }
      const state = summary.lastEntered?.state;
      const error = {
        Error: "ExecutionInterrupted",
        Cause: `the process running it (pid ${summary.pid}, etl ${summary.command}) ended${state ? ` in state ${state}` : ""} before the execution did`,
      };
      journal.append({ type: "ExecutionFailed", at: new Date().toISOString(), error, interrupted: true });
      await this.reportFailure(summary.started.executionArn, summary.started.input, error);
      return { jobId: summary.started.jobId, executionName: name, state, key: keyOf(summary.started.input), pid: summary.pid };
    } finally {
      journal.close();
    }
  }

  /** Holding the state dir's lock, an attempt without an outcome that this process is not running was interrupted. */
  private async reportInterrupted(): Promise<InterruptedJob[]> {
    const found: InterruptedJob[] = [];
    for (const name of this.journals.running()) {
      if (this.running.has(name)) continue;
      const job = await this.recordInterrupted(name);
      if (job) found.push(job);
    }
    return found;
  }

  private async follow(events: AsyncGenerator<{ type: string; state?: { name: string; input: unknown }; retry?: { attempt: number } }>, journal: ExecutionJournal, ref: ExecutionRef): Promise<void> {
    for await (const e of events) {
      if (!e.state) continue;
      const at = new Date().toISOString();
      const state = e.state.name;
      if (e.type === "StateEntered") {
        journal.append({ type: "StateEntered", at, state, input: e.state.input });
        this.options.onState?.(state, ref);
      } else if (e.type === "StateRetried") journal.append({ type: "StateRetried", at, state, attempt: e.retry?.attempt ?? 0 });
      else if (e.type === "StateCaught") journal.append({ type: "StateCaught", at, state });
      else if (e.type === "StateExited") {
        journal.append({ type: "StateExited", at, state });
        this.options.onStateExited?.(state, ref);
      }
    }
  }

  /** Stops the emulators and releases the state dir; persisted state stays in it. */
  async stop(): Promise<void> {
    try {
      await this.emulators.stop();
    } finally {
      this.lock?.release();
    }
  }
}
