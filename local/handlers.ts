import type { PipelineFunctions } from "../workflows/pipeline.ts";
import { LOCAL_NAMES } from "./localEnv.ts";

/** The handlers a local execution binds to the state machine's tasks, loaded after the environment is set. */
export type Handlers = Record<keyof PipelineFunctions, (event: unknown) => Promise<unknown>>;

/** Loads the very handler modules Lambda runs. */
export async function loadHandlers(): Promise<Handlers> {
  const [extract, clean, aggregate, load, archive, notify, fail] = await Promise.all([
    import("../functions/extract.ts"),
    import("../functions/clean.ts"),
    import("../functions/aggregate.ts"),
    import("../functions/load.ts"),
    import("../functions/archive.ts"),
    import("../functions/notify.ts"),
    import("../functions/fail.ts"),
  ]);
  return {
    extract: extract.handler,
    clean: clean.handler,
    aggregate: aggregate.handler,
    load: load.handler,
    archive: archive.handler,
    notify: notify.handler,
    fail: fail.handler,
  };
}

/** Lambda ARNs as the local account would name them; the definition needs real-looking ARNs. */
export function localFunctionArns(): PipelineFunctions {
  const arn = (name: string) => `arn:aws:lambda:${LOCAL_NAMES.region}:${LOCAL_NAMES.account}:function:etl-${name}`;
  return {
    extract: arn("extract"),
    clean: arn("clean"),
    aggregate: arn("aggregate"),
    load: arn("load"),
    archive: arn("archive"),
    notify: arn("notify"),
    fail: arn("fail"),
  };
}
