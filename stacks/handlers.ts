import type { PipelineFunctions } from "../workflows/pipeline.ts";

/** A function the state machine invokes: one per step, plus the failure recorder. */
export type PipelineFunctionName = keyof PipelineFunctions;

/** A Lambda function of the app: the pipeline's, plus the scheduled sweep of stuck jobs. */
export type FunctionName = PipelineFunctionName | "sweep";

/** The handler each function deploys, as SST resolves it: `<file without extension>.<export>`. */
export const HANDLERS = {
  extract: "functions/extract.handler",
  clean: "functions/clean.handler",
  aggregate: "functions/aggregate.handler",
  load: "functions/load.handler",
  archive: "functions/archive.handler",
  notify: "functions/notify.handler",
  fail: "functions/fail.handler",
  sweep: "functions/sweep.handler",
} as const satisfies Record<FunctionName, string>;

/** Every function name, in the order the steps run, then the sweep. */
export const FUNCTION_NAMES = Object.keys(HANDLERS) as FunctionName[];

/** The functions the state machine invokes (and may invoke: not the sweep). */
export const PIPELINE_FUNCTION_NAMES = FUNCTION_NAMES.filter((n): n is PipelineFunctionName => n !== "sweep");
