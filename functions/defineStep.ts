import * as v from "valibot";
import { classifyError } from "../core/errors.ts";
import { logger, type Logger } from "../core/log.ts";
import { publishStepMetrics } from "../core/metrics.ts";
import { jobIdOfEvent, type ObjectCreatedEvent } from "../core/events/objectCreated.ts";
import { STEPS, type Step } from "../core/steps.ts";
import { metered, noTransfers, type Transfers } from "../core/io/transferMeter.ts";
import { gbSeconds } from "../core/job/receipt.ts";
import { FUNCTION_SIZING } from "../stacks/functionSizing.ts";
import type { FunctionName } from "../stacks/handlers.ts";
import { getServices, type Services } from "./services.ts";

/** What a step's work receives besides its input. */
export type StepContext = Services & { log: Logger };

/**
 * The one wiring every handler uses: validate the input, run the step, log start and end with
 * the job id, and name a failure after its cause (core/errors.ts `classifyError`): SDK throttling
 * becomes `TransientError`, which the state machine retries; running out of memory or disk on the
 * file becomes the terminal `ResourceLimitError`. The step's name is its function's: its AWS
 * calls go out with that function's credentials.
 */
export function defineStep<S extends v.GenericSchema, R>(
  step: FunctionName,
  schema: S,
  work: (input: v.InferOutput<S>, ctx: StepContext) => Promise<R>,
): (event: unknown) => Promise<R> {
  return async (event) => {
    const parsed = v.safeParse(schema, event);
    if (!parsed.success) {
      const issues = parsed.issues.map((i) => `${v.getDotPath(i) ?? "(input)"}: ${i.message}`).join("; ");
      throw new Error(`Invalid input for step ${step}: ${issues}`);
    }
    const input = parsed.output as { extract?: { job?: { jobId?: string; dataset?: string; source?: { key?: string } } }; event?: ObjectCreatedEvent };
    // Extract learns the job id from the event; every later step gets it in its input.
    const jobId = input.extract?.job?.jobId ?? (input.event ? jobIdOfEvent(input.event) : undefined);
    const log = logger.with({ step, ...(jobId ? { jobId } : {}) });
    const started = Date.now();
    log.info("step started");
    // What the step moves through S3, for the job's receipt (a failed attempt's too).
    const transfers = noTransfers();
    try {
      const result = await metered(transfers, () => work(parsed.output, { ...getServices(step), log }));
      log.info("step finished", { durationMs: Date.now() - started });
      // A duplicate delivery's extract is not a step of the job it found.
      const duplicate = (result as { skipped?: boolean; superseded?: boolean }).skipped === true && !(result as { superseded?: boolean }).superseded;
      if (!duplicate) await recordTiming(step, jobId, started, false, transfers, log);
      const dataset = input.extract?.job?.dataset ?? (result as { job?: { dataset?: string } }).job?.dataset;
      publishStepMetrics(step, dataset, { StepDuration: Date.now() - started });
      return result;
    } catch (error) {
      const classified = classifyError(error, {
        file: input.extract?.job?.source?.key ?? input.event?.detail?.object?.key,
        memoryMb: Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || undefined,
        scratchDir: getServices(step).settings.ETL_SCRATCH_DIR,
      });
      log.error("step failed", {
        durationMs: Date.now() - started,
        errorType: (classified as Error).name,
        errorMessage: (classified as Error).message,
      });
      await recordTiming(step, jobId, started, true, transfers, log);
      throw classified;
    }
  };
}

/**
 * The memory the step's function has: Lambda's own variable on AWS, `--memory` locally, else the
 * size the deployment gives it (stacks/functionSizing.ts), so a local receipt reads as AWS's would.
 */
function memoryMb(fn: FunctionName): number {
  return Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || Number(process.env.ETL_MEMORY_MB) || Number.parseInt(FUNCTION_SIZING[fn].memory, 10);
}

/**
 * Records when a pipeline step ran in its job, what it moved and the GB-seconds it used (fail and
 * sweep are not steps of a job). Never fails the step: timings and receipts are for people.
 */
async function recordTiming(fn: FunctionName, jobId: string | undefined, started: number, failed: boolean, transfers: Transfers, log: Logger): Promise<void> {
  if (!jobId || !(STEPS as readonly string[]).includes(fn)) return;
  const finished = Date.now();
  const memory = memoryMb(fn);
  try {
    await getServices(fn).jobs.recordStep(jobId, fn as Step, {
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      ...(failed ? { failed } : {}),
      memoryMb: memory,
      gbSeconds: gbSeconds(finished - started, memory),
      ...transfers,
    });
  } catch (error) {
    log.warn("step timing not recorded", { error: (error as Error).message });
  }
}
