import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import { INCOMING_PREFIX } from "../../core/config/matchDataset.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import type { CommandModule } from "../main.ts";
import { mustBeFile, withCommonOptions, type CommonOptions } from "../options.ts";
import { stageArg } from "../../core/job/remedy.ts";
import { withStageOptions } from "../stage/stageOptions.ts";
import type { StageOptions } from "../stage/stageOutputs.ts";
import { openStage, stageFailure } from "../stage/stageServices.ts";
import { UsageError } from "../usageError.ts";
import { keyProblem } from "./run.ts";

type UploadOptions = CommonOptions & StageOptions & { key?: string };

const EXAMPLES = `
Puts the file into the stage's raw bucket under incoming/ (in parts when it is over 8 MiB,
with progress on a terminal); S3's event starts the pipeline on it. Prints the key, the version
id S3 gave it and the job id that upload becomes, and how to follow it. Locally there is no
event to wait for: etl run <file> uploads into the local raw bucket and runs the pipeline.

Examples:
  $ etl upload data/sales-2024-03.csv --stage dev
  $ etl upload fixed.csv --key incoming/sales/march.csv --stage prod --json`;

const MB = 1024 * 1024;

/** A progress line rewritten in place on a terminal; nothing otherwise (logs and pipes stay clean). */
function progress(name: string): ((sent: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (sent, total) => {
    process.stderr.write(`\ruploading ${name}: ${Math.floor((sent / total) * 100)}% (${(sent / MB).toFixed(0)} of ${(total / MB).toFixed(0)} MB)`);
    if (sent === total) process.stderr.write("\n");
  };
}

async function upload(file: string, opts: UploadOptions): Promise<number> {
  if (!opts.stage) {
    throw new UsageError("upload sends a file to a deployed stage: give --stage <name>; locally, etl run <file> [--key incoming/…] uploads it and runs the pipeline");
  }
  mustBeFile(file);
  const key = opts.key ?? `${INCOMING_PREFIX}${basename(file)}`;
  const problem = keyProblem(key);
  if (problem) throw new UsageError(`--key ${JSON.stringify(key)} ${problem}`);
  const stage = await openStage({ ...opts, stage: opts.stage });
  try {
    const bucket = stage.need("rawBucket");
    const { size } = await stat(file);
    const { etag, versionId } = await stage.store.upload(file, { bucket, key }, { onProgress: progress(basename(file)) }).catch((error) => {
      throw stageFailure(error, stage.stage, `the raw bucket ${bucket}`);
    });
    // The job id S3's event will give the job (it derives from bucket, key and version id).
    const jobId = versionId ? jobIdFor({ bucket, key, versionId }) : undefined;
    const follow = `etl jobs${stageArg(stage.stage)}`;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ bucket, key, versionId, etag, size, ...(jobId ? { jobId } : {}), follow })}\n`);
    } else {
      process.stdout.write(`uploaded s3://${bucket}/${key}  version ${versionId ?? "(bucket not versioned)"}${jobId ? `  job ${jobId}` : ""}\n`);
      process.stderr.write(`the pipeline starts on it; follow it: ${follow}${jobId ? ` · etl job ${jobId}${stageArg(stage.stage)}` : ""}\n`);
    }
    return 0;
  } finally {
    stage.close();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withStageOptions(withCommonOptions(cmd), ["rawBucket"])
      .description("Upload a file to a deployed stage's raw bucket (under incoming/), which starts the pipeline on it.")
      .argument("<file>", "the file to upload")
      .option("--key <key>", "S3 key to upload to (must start with incoming/; default incoming/<file name>)")
      .addHelpText("after", EXAMPLES)
      .action(async (file: string, opts: UploadOptions) => finish(await upload(file, opts)));
  },
};

export const { configure } = command;
