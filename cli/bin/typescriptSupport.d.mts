/** Why this Node cannot run etl's TypeScript, or undefined when it can. */
export function typescriptProblem(version: string, features: { typescript?: unknown }): string | undefined;
