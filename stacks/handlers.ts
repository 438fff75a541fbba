import type { PipelineFunctions } from "../workflows/pipeline.ts";

/** A Lambda function of the pipeline: one per step, plus the failure recorder. */
export type FunctionName = keyof PipelineFunctions;

/** The handler each function deploys, as SST resolves it: `<file without extension>.<export>`. */
export const HANDLERS = {
  extract: "functions/extract.handler",
  clean: "functions/clean.handler",
  aggregate: "functions/aggregate.handler",
  load: "functions/load.handler",
  archive: "functions/archive.handler",
  notify: "functions/notify.handler",
  fail: "functions/fail.handler",
} as const satisfies Record<FunctionName, string>;

/** Every function name, in the order the steps run. */
export const FUNCTION_NAMES = Object.keys(HANDLERS) as FunctionName[];
