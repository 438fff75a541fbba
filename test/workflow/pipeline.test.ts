import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { STEPS, stateName } from "../../core/steps.ts";
import { TERMINAL_ERROR_NAMES, TRANSIENT_ERROR_NAMES } from "../../core/errors.ts";
import { FAILURE_STATES, pipelineDefinition, type PipelineFunctions } from "../../workflows/pipeline.ts";
import { startingAt } from "../../local/runtime.ts";

const require = createRequire(import.meta.url);
const aslValidator = require("asl-validator") as (d: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

const arns = Object.fromEntries(
  [...STEPS, "fail"].map((s) => [s, `arn:aws:lambda:eu-west-1:123456789012:function:etl-${s}`]),
) as PipelineFunctions;
const definition = pipelineDefinition(arns);
type State = Record<string, any>;
const states = definition.States as Record<string, State>;
const tasks = Object.entries(states).filter(([, s]) => s.Type === "Task");

describe("pipelineDefinition", () => {
  it("is valid Amazon States Language", () => {
    const result = aslValidator(definition);
    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  // The local runtime does not validate on each execution (local/runtime.ts): this is where a redrive's definition is checked.
  it("stays valid started at any of its states, as a local redrive runs it", () => {
    for (const name of Object.keys(states)) {
      const resumed = startingAt(definition, name);
      expect(resumed.StartAt).toBe(name);
      const result = aslValidator(resumed);
      expect(result.errorsText("\n"), name).toBe("");
    }
  });

  it("is checked by a validator that does reject a broken definition", () => {
    const broken = structuredClone(definition) as Record<string, any>;
    broken.States.Clean.Next = "NoSuchState";
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it("runs the steps in the order core/steps.ts lists them", () => {
    const order: string[] = [];
    for (let name: string | undefined = definition.StartAt; name; ) {
      const s: State = states[name];
      if (s.Type === "Task") order.push(name);
      name = s.Type === "Choice" ? s.Default : s.Next;
    }
    expect(order).toEqual(STEPS.map(stateName));
  });

  it("binds every task to one of the pipeline's functions, each to an existing handler", () => {
    for (const [, s] of tasks) expect(Object.values(arns)).toContain(s.Resource);
    for (const step of [...STEPS, "fail"]) {
      expect(tasks.some(([, s]) => s.Resource === arns[step as keyof PipelineFunctions])).toBe(true);
      expect(existsSync(`functions/${step}.ts`)).toBe(true);
    }
  });

  it("catches only terminal data errors, and sends them to the failure recorder then Fail", () => {
    for (const step of STEPS) {
      const s = states[stateName(step)];
      expect(s.Catch).toEqual([{ ErrorEquals: [...TERMINAL_ERROR_NAMES], ResultPath: "$.error", Next: FAILURE_STATES.record }]);
    }
    expect(states[FAILURE_STATES.record].Next).toBe(FAILURE_STATES.fail);
    expect(states[FAILURE_STATES.fail].Type).toBe("Fail");
  });

  it("retries transient errors with backoff and jitter, never terminal ones or States.ALL", () => {
    for (const step of STEPS) {
      const retry = states[stateName(step)].Retry as State[];
      const retried = retry.flatMap((r) => r.ErrorEquals as string[]);
      expect(retried).toEqual([...TRANSIENT_ERROR_NAMES]);
      expect(retried).not.toContain("States.ALL");
      for (const r of retry) {
        expect(r.BackoffRate).toBeGreaterThan(1);
        expect(r.JitterStrategy).toBe("FULL");
      }
    }
  });

  it("passes pointers between steps: each step's result goes to its own path", () => {
    for (const step of STEPS) expect(states[stateName(step)].ResultPath).toBe(`$.${step}`);
    expect(states.Extract.Parameters).toMatchObject({ "executionId.$": "$$.Execution.Id" });
  });

  it("ends a duplicate delivery successfully right after extract", () => {
    expect(states.Extract.Next).toBe("IsDuplicateDelivery");
    expect(states.IsDuplicateDelivery.Choices).toContainEqual({ Variable: "$.extract.skipped", BooleanEquals: true, Next: FAILURE_STATES.skipped });
    expect(states[FAILURE_STATES.skipped].Type).toBe("Succeed");
  });

  it("ends an upload older than the key's committed one successfully, after extract or after clean", () => {
    // Checked before `skipped`: a superseded delivery also skips the work.
    expect(states.IsDuplicateDelivery.Choices[0]).toEqual({ Variable: "$.extract.superseded", BooleanEquals: true, Next: FAILURE_STATES.superseded });
    expect(states.Clean.Next).toBe("IsSuperseded");
    expect(states.IsSuperseded.Choices).toEqual([{ Variable: "$.clean.superseded", BooleanEquals: true, Next: FAILURE_STATES.superseded }]);
    expect(states.IsSuperseded.Default).toBe("Aggregate");
    // A Succeed state: the status-change rule (FAILED, TIMED_OUT, ABORTED) never alerts for it.
    expect(states[FAILURE_STATES.superseded].Type).toBe("Succeed");
  });
});
