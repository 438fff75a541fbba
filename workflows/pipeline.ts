import { STEPS, stateName, type Step } from "../core/steps.ts";
import { TERMINAL_ERROR_NAMES, TRANSIENT_ERROR_NAMES } from "../core/errors.ts";

/** The Lambda ARNs the state machine invokes: one per step, plus the failure recorder. */
export type PipelineFunctions = Record<Step | "fail", string>;

/** An Amazon States Language document (JSONPath). */
export type StateMachineDefinition = {
  Comment: string;
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, Record<string, unknown>>;
};

/** The state names outside the step list. */
export const FAILURE_STATES = { record: "RecordFailure", fail: "Failed", skipped: "Skipped", superseded: "Superseded" } as const;

/** The Choice states that end an execution early: after extract (duplicate or older upload) and after clean (older upload). */
export const CHOICE_STATES = { extract: "IsDuplicateDelivery", clean: "IsSuperseded" } as const;

/**
 * Seconds a step may run, above Lambda's own 900-second limit: the function's timeout fires first
 * and fails the step at once, instead of a task timeout that a retry would only repeat.
 */
const TASK_TIMEOUT_SECONDS = 960;

/** An execution still running after this is ended by Step Functions (TIMED_OUT); the sweep counts on it. */
export const EXECUTION_TIMEOUT_SECONDS = 6 * 3600;

/**
 * The pipeline as ASL (docs/design.md decision 3 and 4), one definition for AWS and the local runtime.
 *
 * Each step reads the whole state and writes its pointer at `$.<step>`; the first step also gets
 * the execution's id and start time, which the job record keeps. Terminal data errors are caught
 * and go to RecordFailure → Failed. Everything else is retried, then fails at the step itself,
 * so a console redrive re-runs exactly that step; the status-change rule reports those.
 */
export function pipelineDefinition(fns: PipelineFunctions): StateMachineDefinition {
  const states: Record<string, Record<string, unknown>> = {};
  STEPS.forEach((step, i) => {
    const next = STEPS[i + 1];
    states[stateName(step)] = {
      Type: "Task",
      Resource: fns[step],
      ...(step === "extract"
        ? {
            Parameters: {
              "event.$": "$",
              "executionId.$": "$$.Execution.Id",
              "startedAt.$": "$$.Execution.StartTime",
            },
          }
        : {}),
      ResultPath: `$.${step}`,
      TimeoutSeconds: TASK_TIMEOUT_SECONDS,
      Retry: [
        {
          ErrorEquals: [...TRANSIENT_ERROR_NAMES],
          IntervalSeconds: 2,
          MaxAttempts: 4,
          BackoffRate: 2,
          MaxDelaySeconds: 60,
          JitterStrategy: "FULL",
        },
      ],
      Catch: [{ ErrorEquals: [...TERMINAL_ERROR_NAMES], ResultPath: "$.error", Next: FAILURE_STATES.record }],
      ...(step === "extract" || step === "clean"
        ? { Next: CHOICE_STATES[step] }
        : next
          ? { Next: stateName(next) }
          : { End: true }),
    };
    if (step === "extract") {
      states[CHOICE_STATES.extract] = {
        Type: "Choice",
        Choices: [
          { Variable: "$.extract.superseded", BooleanEquals: true, Next: FAILURE_STATES.superseded },
          { Variable: "$.extract.skipped", BooleanEquals: true, Next: FAILURE_STATES.skipped },
        ],
        Default: stateName(next!),
      };
    }
    if (step === "clean") {
      states[CHOICE_STATES.clean] = {
        Type: "Choice",
        Choices: [{ Variable: "$.clean.superseded", BooleanEquals: true, Next: FAILURE_STATES.superseded }],
        Default: stateName(next!),
      };
    }
  });
  states[FAILURE_STATES.skipped] = { Type: "Succeed", Comment: "A duplicate delivery of an object version already processed." };
  states[FAILURE_STATES.superseded] = {
    Type: "Succeed",
    Comment: "A newer upload of the same key is committed; the step recorded the job SUPERSEDED and nothing changed.",
  };
  states[FAILURE_STATES.record] = {
    Type: "Task",
    Resource: fns.fail,
    ResultPath: "$.failure",
    TimeoutSeconds: 60,
    Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" }],
    Next: FAILURE_STATES.fail,
  };
  states[FAILURE_STATES.fail] = {
    Type: "Fail",
    Comment: "A terminal data error: fix the file and upload it again; redriving will not help.",
    ErrorPath: "$.error.Error",
    CausePath: "$.error.Cause",
  };
  return {
    Comment: "Medallion ETL: raw → bronze → silver → gold, one execution per uploaded object.",
    StartAt: stateName(STEPS[0]),
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    States: states,
  };
}
