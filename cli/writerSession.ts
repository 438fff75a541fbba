import { displayPath } from "./displayPath.ts";
import { join, resolve } from "node:path";
import type { EtlConfig } from "../core/config/defineConfig.ts";
import type { ObjectCreatedEvent } from "../core/events/objectCreated.ts";
import type { ExecutionOutcome, LocalRuntime, RuntimeOptions } from "../local/runtime.ts";
import { printJob } from "./jobOutput.ts";
import { Progress } from "./progress.ts";
import type { CommonOptions } from "./options.ts";

/** Options of a writing command (run, redrive). */
export type WriterOptions = CommonOptions & { config?: string; lockWait: number; memory?: number };

/**
 * What `run` and `redrive` share: the runtime on the state dir (lock, marker, journals), the
 * hint for interrupted jobs, and printing each job as it finishes.
 */
export async function openWriter(
  command: string,
  opts: WriterOptions,
  config: EtlConfig,
  extra: Partial<RuntimeOptions> & { concurrency?: number } = {},
) {
  const [{ LocalRuntime }, { jobResult }] = await Promise.all([import("../local/runtime.ts"), import("../local/jobResult.ts")]);
  if (!process.env.ETL_LOG_LEVEL) process.env.ETL_LOG_LEVEL = opts.verbose ? "info" : "warn";
  // Read by core/engine/engineLimits.ts when the steps' services are built, after the runtime starts.
  if (opts.memory !== undefined) process.env.ETL_MEMORY_MB = String(opts.memory);
  const stateDir = resolve(opts.stateDir);
  const lakeDir = join(stateDir, "lake");
  // Progress is for people: on stderr, and with --json only when --verbose asks for it.
  const { getServices } = await import("../functions/services.ts");
  const progress = !opts.json || opts.verbose ? new Progress((id) => getServices().jobs.get(id), (extra.concurrency ?? 1) > 1) : undefined;
  const { concurrency: _, ...runtimeOptions } = extra;
  const runtime: LocalRuntime = await LocalRuntime.start({
    stateDir,
    config,
    command,
    lockWaitMs: opts.lockWait * 1000,
    onState: progress && ((state) => progress.entered(state)),
    onStateExited: progress && ((state, ref) => progress.exited(state, ref)),
    ...runtimeOptions,
  });
  const stateArg = opts.stateDir === ".etl" ? "" : ` --state-dir ${opts.stateDir}`;
  for (const j of runtime.interrupted) {
    process.stderr.write(
      `interrupted: job ${j.jobId ?? "(not started)"} (${j.key}) stopped${j.state ? ` in ${j.state}` : ""} when pid ${j.pid} ended; ` +
        `resume it with: etl redrive ${j.jobId}${stateArg}\n`,
    );
  }
  const report = async (event: ObjectCreatedEvent, outcome: ExecutionOutcome) => {
    await progress?.flush();
    const result = await jobResult(event, outcome);
    printJob(result, { json: opts.json, lakeDir: displayPath(lakeDir), stateDirArg: opts.stateDir });
    return result;
  };
  return { runtime, report, progress };
}
