import type { Command } from "commander";
import { DEFAULT_OUTPUTS, STAGE_NAMES, type StageName } from "./stageOutputs.ts";

/**
 * Adds `--stage` and the options that name a stage's resources without its outputs file. Only
 * the names a command uses are offered: `jobs` needs no raw bucket, `upload` no table.
 */
export function withStageOptions(command: Command, uses: StageName[]): Command {
  command
    .option("--stage <name>", "work on this deployed stage (SST's outputs, your AWS credentials) instead of the local state dir")
    .option("--outputs <file>", `the stage's outputs, as sst deploy writes them (default ${DEFAULT_OUTPUTS})`)
    .option("--region <region>", "the stage's region (default: its outputs, else AWS_REGION)");
  for (const name of uses) {
    const { flag, env } = STAGE_NAMES[name];
    command.option(`${flag} <name>`, `with --stage: the ${name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)} (default: ${env}, else the outputs)`);
  }
  return command;
}
