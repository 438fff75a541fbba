import { existsSync, readFileSync } from "node:fs";
import { StageError } from "./stageError.ts";

/** What `--stage` commands address: the names `sst.config.ts` returns, which SST writes to `.sst/outputs.json`. */
export type StageNames = { stage: string; region?: string; rawBucket?: string; lakeBucket?: string; jobsTable?: string; outputsTable?: string; stateMachine?: string };

/** A name a command needs, with the flag and the environment variable that give it explicitly. */
export const STAGE_NAMES = {
  rawBucket: { flag: "--raw-bucket", env: "ETL_RAW_BUCKET" },
  lakeBucket: { flag: "--lake-bucket", env: "ETL_LAKE_BUCKET" },
  jobsTable: { flag: "--jobs-table", env: "ETL_JOBS_TABLE" },
  outputsTable: { flag: "--outputs-table", env: "ETL_OUTPUTS_TABLE" },
  stateMachine: { flag: "--state-machine", env: "ETL_STATE_MACHINE_ARN" },
} as const;

/** A stage's resource name. */
export type StageName = keyof typeof STAGE_NAMES;

/** The `--stage` options as commander parses them. */
export type StageOptions = {
  stage?: string;
  outputs?: string;
  region?: string;
  rawBucket?: string;
  lakeBucket?: string;
  jobsTable?: string;
  outputsTable?: string;
  stateMachine?: string;
};

/** The default outputs file, where `sst deploy` writes it. */
export const DEFAULT_OUTPUTS = ".sst/outputs.json";

/**
 * A stage's names: an explicit flag wins, then the environment (the functions' own variable
 * names), then the outputs file of the last `sst deploy`, used only when it is that stage's
 * (it names its stage: sst.config.ts returns `stage`). The file is only needed when a name is
 * missing: `need` says which, and how to give it.
 */
export function resolveStage(opts: StageOptions & { stage: string }, env: Record<string, string | undefined> = process.env) {
  const outputsFile = opts.outputs ?? DEFAULT_OUTPUTS;
  let outputs: Record<string, unknown> | undefined;
  let whyNoOutputs: string | undefined;
  if (!existsSync(outputsFile)) {
    whyNoOutputs = `no ${outputsFile}: deploy the stage first (npx sst deploy --stage ${opts.stage})`;
  } else {
    try {
      outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new StageError(`${outputsFile} is not JSON (${(error as Error).message}): deploy again (npx sst deploy --stage ${opts.stage})`);
    }
    if (outputs.stage !== opts.stage) {
      whyNoOutputs =
        typeof outputs.stage === "string"
          ? `${outputsFile} is stage ${outputs.stage}'s, not ${opts.stage}'s: deploy it (npx sst deploy --stage ${opts.stage}) or give --outputs`
          : `${outputsFile} does not name its stage (deployed before sst.config.ts returned it): deploy again (npx sst deploy --stage ${opts.stage})`;
      outputs = undefined;
    }
  }
  // An empty variable counts as unset, as the SDK treats its own.
  const pick = (name: StageName) => opts[name] || env[STAGE_NAMES[name].env] || (outputs?.[name] as string | undefined);
  const names: StageNames = {
    stage: opts.stage,
    // The stage lives in one region: its outputs say which, whatever the shell's default is.
    region: opts.region ?? (outputs?.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    rawBucket: pick("rawBucket"),
    lakeBucket: pick("lakeBucket"),
    jobsTable: pick("jobsTable"),
    outputsTable: pick("outputsTable"),
    stateMachine: pick("stateMachine"),
  };
  return {
    names,
    /** Why the outputs file gave no names, when it did not. */
    unusableOutputs: whyNoOutputs,
    /** The name or a StageError saying how to give it. */
    need(name: StageName): string {
      const value = names[name];
      if (value) return value;
      const { flag, env: variable } = STAGE_NAMES[name];
      throw new StageError(`${whyNoOutputs ?? `${outputsFile} has no ${name}: deploy again (npx sst deploy --stage ${opts.stage})`}; or give ${flag} (or ${variable})`);
    },
  };
}
