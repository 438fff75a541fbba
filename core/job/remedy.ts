import { TERMINAL_ERROR_NAMES } from "../errors.ts";

/** A terminal data error: the file itself cannot pass, so only a corrected upload helps. */
export function isTerminalType(type: string): boolean {
  return (TERMINAL_ERROR_NAMES as readonly string[]).includes(type);
}

/** ` --stage S`, to append to a command a person copies (the CLI's stage commands and a stage's alerts). */
export function stageArg(stage: string): string {
  return ` --stage ${stage}`;
}

/** What fixes a failed job, for the alert, `etl job` and `etl jobs` alike. */
export type Remedy = {
  /** A redrive can help: the failure was not the file's. */
  redrivable: boolean;
  /** The one command to run (locally; the alert adds the AWS way). */
  command: string;
  /** What to do, in a sentence. */
  action: string;
  /** When the dataset's config, not the file, may be what was wrong: the command re-processing the same file after the fix. */
  replay?: string;
};

/**
 * A terminal data error (the file itself cannot pass) is fixed by uploading a corrected file
 * under the same key; anything else by fixing the cause and redriving at the failed step.
 */
export function remedy(
  job: { jobId: string; sourceKey: string },
  step: string,
  terminal: boolean,
  stateDirArg = "",
  /** How a corrected file goes in: `run` locally, `upload` to a deployed stage (then stateDirArg is ` --stage S`). */
  upload: "run" | "upload" = "run",
): Remedy {
  if (terminal) {
    // Past extract the file has a bronze copy: when the contract was wrong, not the file, a replay
    // re-reads it under the fixed config (locally, or on the stage with etl replay --stage).
    const replayable = step !== "extract";
    return {
      redrivable: false,
      command: `etl ${upload} <fixed file> --key ${job.sourceKey}${stateDirArg}`,
      action:
        `The file cannot pass as it is: fix it and upload it again under ${job.sourceKey}. Redriving will not help.` +
        (replayable ? ` If the dataset's contract in etl.config.ts was what was wrong, fix it and replay the same file: etl replay ${job.jobId}${stateDirArg}.` : ""),
      ...(replayable ? { replay: `etl replay ${job.jobId}${stateDirArg}` } : {}),
    };
  }
  return {
    redrivable: true,
    command: `etl redrive ${job.jobId}${stateDirArg}`,
    action: `Fix the cause (see the logs of step ${step}), then redrive: it resumes at ${step} and loads nothing twice.`,
  };
}
