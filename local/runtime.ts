import { mkdirSync, rmSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { ObjectStore } from "../core/io/objectStore.ts";
import { StateMachine, type StateMachineDefinition as LocalDefinition } from "aws-local-stepfunctions";
import type { EtlConfig } from "../core/config/defineConfig.ts";
import { DATASET_METADATA } from "../core/config/matchDataset.ts";
import { objectCreatedEvent, type ObjectCreatedEvent } from "../core/events/objectCreated.ts";
import { STEPS, stateName } from "../core/steps.ts";
import { FAILURE_STATES, pipelineDefinition } from "../workflows/pipeline.ts";
import { startEmulators, type Emulators } from "./emulators.ts";
import { loadHandlers, localFunctionArns, type Handlers } from "./handlers.ts";
import { asLambdaTask } from "./lambdaInvoke.ts";
import { LOCAL_NAMES, localEnv } from "./localEnv.ts";
import { ensureResources } from "./resources.ts";
import { localCatalogDir } from "./glue/glueServer.ts";

/** How one local execution ended. */
export type ExecutionOutcome = {
  executionArn: string;
  status: "SUCCEEDED" | "FAILED";
  output?: Record<string, unknown>;
  error?: { Error: string; Cause: string };
  durationMs: number;
};

/** Options of a local runtime. */
export type RuntimeOptions = {
  /** Keep emulator state here across runs; in memory when absent. */
  stateDir?: string;
  /** Delete the state directory first. */
  fresh?: boolean;
  /** Another config than `etl.config.ts`. */
  config?: EtlConfig;
  /** Pauses between retries, in ms, by state name: keeps retry paths fast in tests. */
  retryIntervals?: Record<string, number>;
  /** Called as the execution enters each state. */
  onState?: (state: string) => void;
};

let sequence = 0;

/** S3's sequencer orders events of one key; a fresh upload gets a larger one. */
function nextSequencer(): string {
  sequence += 1;
  return (Date.now().toString(16) + sequence.toString(16).padStart(6, "0")).toUpperCase().padStart(18, "0");
}

/**
 * The pipeline on one machine: emulators, the same resources, the same state machine definition
 * and the same handlers as on AWS. Only the endpoints differ (DESIGN.md decision 6).
 */
export class LocalRuntime {
  private constructor(
    readonly emulators: Emulators,
    readonly env: Record<string, string>,
    readonly alertsQueueUrl: string,
    private readonly handlers: Handlers,
    private readonly options: RuntimeOptions,
  ) {}

  /** Starts emulators, points this process's AWS clients at them, creates resources, loads handlers. */
  static async start(options: RuntimeOptions = {}): Promise<LocalRuntime> {
    const stateDir = options.stateDir ? resolve(options.stateDir) : undefined;
    if (stateDir && options.fresh) rmSync(stateDir, { recursive: true, force: true });
    const emulators = await startEmulators(stateDir && join(stateDir, "emulators"), stateDir && localCatalogDir(stateDir));
    const scratch = join(stateDir ?? join(process.env.TMPDIR ?? "/tmp", "etl-local"), "scratch");
    mkdirSync(scratch, { recursive: true });
    const env = localEnv(emulators, scratch);
    Object.assign(process.env, env);
    const { alertsQueueUrl } = await ensureResources();
    (await import("../functions/services.ts")).resetServices(options.config);
    const handlers = await loadHandlers();
    return new LocalRuntime(emulators, env, alertsQueueUrl, handlers, { ...options, stateDir });
  }

  /**
   * Puts a local file under `key` in the raw bucket and returns the event S3 would send;
   * `dataset` goes into the object's metadata, as an uploader would set it.
   */
  async upload(file: string, key: string, dataset?: string): Promise<ObjectCreatedEvent> {
    const s3 = new S3Client({ forcePathStyle: true });
    const { size } = await stat(file);
    const etag = await new ObjectStore(s3).upload(file, { bucket: LOCAL_NAMES.rawBucket, key }, {
      metadata: dataset ? { [DATASET_METADATA]: dataset } : undefined,
    });
    s3.destroy();
    return objectCreatedEvent({ bucket: LOCAL_NAMES.rawBucket, key, size, etag: etag ?? "", sequencer: nextSequencer() });
  }

  /**
   * Runs one execution of the state machine on an event. A failed execution is then reported the
   * way AWS's status-change rule reports it, to the same failure handler.
   */
  async execute(event: unknown): Promise<ExecutionOutcome> {
    const name = crypto.randomUUID();
    const executionArn = `arn:aws:states:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:execution:${LOCAL_NAMES.stateMachine}:${name}`;
    const definition = pipelineDefinition(localFunctionArns());
    // The same JSON AWS receives; the library types states more narrowly than a plain record.
    const machine = new StateMachine(definition as unknown as LocalDefinition);
    const tasks = Object.fromEntries([
      ...STEPS.map((step) => [stateName(step), asLambdaTask(this.handlers[step])]),
      [FAILURE_STATES.record, asLambdaTask(this.handlers.fail)],
    ]);
    const started = Date.now();
    const execution = machine.run(event as Parameters<typeof machine.run>[0], {
      overrides: { taskResourceLocalHandlers: tasks, retryIntervalOverrides: this.options.retryIntervals },
      context: {
        Execution: { Id: executionArn, Name: name, Input: event as Record<string, never>, StartTime: new Date(started).toISOString() },
        StateMachine: { Id: `arn:aws:states:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:stateMachine:${LOCAL_NAMES.stateMachine}`, Name: LOCAL_NAMES.stateMachine },
      },
    });
    const progress = this.follow(execution.eventLogs);
    try {
      const output = (await execution.result) as Record<string, unknown>;
      await progress;
      return { executionArn, status: "SUCCEEDED", output, durationMs: Date.now() - started };
    } catch (failure) {
      await progress;
      const cause = (failure as Error).cause as Error | undefined;
      const error = { Error: cause?.name ?? (failure as Error).name, Cause: cause?.message ?? String(failure) };
      // EventBridge would retry a failing target; locally the failure is reported and the run goes on.
      await this.handlers
        .fail({
          "detail-type": "Step Functions Execution Status Change",
          source: "aws.states",
          detail: { executionArn, status: "FAILED", input: JSON.stringify(event), error: error.Error, cause: error.Cause },
        })
        .catch((e: Error) => process.stderr.write(`failure alert for ${executionArn} not sent: ${e.message}\n`));
      return { executionArn, status: "FAILED", error, durationMs: Date.now() - started };
    }
  }

  private async follow(events: AsyncGenerator<{ type: string; state?: { name: string } }>): Promise<void> {
    for await (const e of events) if (e.type === "StateEntered" && e.state) this.options.onState?.(e.state.name);
  }

  /** Stops the emulators; persisted state stays in the state directory. */
  async stop(): Promise<void> {
    await this.emulators.stop();
  }
}
