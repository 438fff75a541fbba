import { pipelineDefinition, type PipelineFunctions } from "../workflows/pipeline.ts";
import { pipelineFunctions } from "./functions.ts";
import { PIPELINE_FUNCTION_NAMES } from "./handlers.ts";
import { assumeRolePolicy, policyDocument, stateMachinePermissions } from "./policies.ts";

const accountId = aws.getCallerIdentityOutput().accountId;
const functionArns = $resolve(PIPELINE_FUNCTION_NAMES.map((name) => pipelineFunctions[name].arn)).apply(
  (arns) => Object.fromEntries(PIPELINE_FUNCTION_NAMES.map((name, i) => [name, arns[i]])) as PipelineFunctions,
);

/** The state machine's own role: it may invoke the pipeline's functions and nothing else. */
export const pipelineRole = new aws.iam.Role("PipelineRole", {
  assumeRolePolicy: accountId.apply((id) => JSON.stringify(assumeRolePolicy("states.amazonaws.com", id))),
  inlinePolicies: [
    {
      name: "invoke-pipeline-functions",
      policy: functionArns.apply((arns) => JSON.stringify(policyDocument(stateMachinePermissions(Object.values(arns))))),
    },
  ],
});

/**
 * The pipeline, deployed from the same ASL the local runtime executes (docs/design.md decision 3).
 * Standard, not Express: executions outlive 5 minutes and can be redriven. Execution history
 * is kept by Step Functions itself, so no CloudWatch log group is configured.
 */
export const pipeline = new aws.sfn.StateMachine("Pipeline", {
  type: "STANDARD",
  roleArn: pipelineRole.arn,
  definition: functionArns.apply((arns) => JSON.stringify(pipelineDefinition(arns))),
});
