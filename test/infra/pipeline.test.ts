import { describe, expect, it } from "vitest";
import { FUNCTION_SIZING } from "../../stacks/functionSizing.ts";
import { PIPELINE_FUNCTION_NAMES, type PipelineFunctionName } from "../../stacks/handlers.ts";
import { policyDocument, stateMachinePermissions } from "../../stacks/policies.ts";
import { pipelineDefinition, type PipelineFunctions } from "../../workflows/pipeline.ts";
import { documentAllows } from "./isAllowed.ts";

const ARNS = Object.fromEntries(
  PIPELINE_FUNCTION_NAMES.map((name) => [name, `arn:aws:lambda:eu-west-1:111122223333:function:etl-${name}`]),
) as PipelineFunctions;
const definition = pipelineDefinition(ARNS);

type State = Record<string, unknown>;

/** Every Task of the definition, nested ones (Parallel branches, Map processors) included. */
function tasks(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const branches = [...((state.Branches as { States: Record<string, State> }[]) ?? []), state.ItemProcessor, state.Iterator];
    const nested = branches.flatMap((b) => (b ? tasks((b as { States: Record<string, State> }).States) : []));
    return state.Type === "Task" ? [[name, state] as [string, State], ...nested] : nested;
  });
}

function seconds(duration: string): number {
  const [amount, unit] = duration.split(" ");
  return Number(amount) * (unit.startsWith("minute") ? 60 : 1);
}

describe("the deployed state machine", () => {
  const taskStates = tasks(definition.States);
  const functionOf = (resource: unknown) => PIPELINE_FUNCTION_NAMES.find((n) => ARNS[n] === resource) as PipelineFunctionName | undefined;

  it("invokes only the seven functions, and each of them", () => {
    expect(taskStates.length).toBeGreaterThan(0);
    for (const [name, state] of taskStates) expect(functionOf(state.Resource), name).toBeDefined();
    expect(new Set(taskStates.map(([, s]) => functionOf(s.Resource)))).toEqual(new Set(PIPELINE_FUNCTION_NAMES));
  });

  it("has a role that may invoke every Task's function", () => {
    const document = policyDocument(stateMachinePermissions(Object.values(ARNS)));
    for (const [, state] of taskStates) expect(documentAllows(document, "lambda:InvokeFunction", state.Resource as string)).toBe(true);
  });

  it("gives no Task less time than its function: Step Functions would time out and retry a function still running", () => {
    for (const [name, state] of taskStates) {
      const fn = functionOf(state.Resource)!;
      expect(seconds(FUNCTION_SIZING[fn].timeout), name).toBeLessThanOrEqual(state.TimeoutSeconds as number);
    }
  });
});
