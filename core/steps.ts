/** The pipeline's steps in execution order: the workflow, the CLI and the docs read this list. */
export const STEPS = ["extract", "clean", "aggregate", "load", "archive", "notify"] as const;

/** One step of the pipeline, named the same in code, logs, the job record and the state machine. */
export type Step = (typeof STEPS)[number];

/** The state name a step has in the state machine: `clean` → `Clean`. */
export function stateName(step: Step): string {
  return step[0].toUpperCase() + step.slice(1);
}
