import type { PipelineFunctions } from "../workflows/pipeline.ts";
import { LOCAL_NAMES } from "./localEnv.ts";

/** The handlers a local execution binds to the state machine's tasks, loaded after the environment is set. */
export type Handlers = Record<keyof PipelineFunctions, (event: unknown) => Promise<unknown>>;

/** The handler modules, by function: the steps of core/steps.ts and the failure recorder. */
const MODULES: Record<keyof PipelineFunctions, () => Promise<{ handler: (event: unknown) => Promise<unknown> }>> = {
  extract: () => import("../functions/extract.ts"),
  clean: () => import("../functions/clean.ts"),
  aggregate: () => import("../functions/aggregate.ts"),
  load: () => import("../functions/load.ts"),
  archive: () => import("../functions/archive.ts"),
  notify: () => import("../functions/notify.ts"),
  fail: () => import("../functions/fail.ts"),
};

/** Loads the very handler modules Lambda runs. */
export async function loadHandlers(): Promise<Handlers> {
  const entries = await Promise.all(Object.entries(MODULES).map(async ([name, load]) => [name, (await load()).handler] as const));
  return Object.fromEntries(entries) as Handlers;
}

/** Lambda ARNs as the local account would name them; the definition needs real-looking ARNs. */
export function localFunctionArns(): PipelineFunctions {
  const arn = (name: string) => `arn:aws:lambda:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:function:etl-${name}`;
  return Object.fromEntries(Object.keys(MODULES).map((name) => [name, arn(name)])) as PipelineFunctions;
}
