import type { JobRecord } from "./jobRecord.ts";
import { remedy, stageArg } from "./remedy.ts";

/** Where to look at an execution in the Step Functions console (and redrive it). */
export function consoleLink(executionId: string): string | undefined {
  const region = /^arn:aws[\w-]*:states:([\w-]+):/.exec(executionId)?.[1];
  return region
    ? `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionId}`
    : undefined;
}

/** The success summary a job publishes: a subject people scan and a body machines parse. */
export function successMessage(job: JobRecord, lakeBucket: string, durationMs: number) {
  const s = job.stats;
  return {
    subject: `ETL SUCCESS ${job.dataset}: ${s.silverRows}/${s.inputRows} rows to silver, ${s.quarantinedRows} quarantined`,
    body: {
      status: "SUCCESS",
      jobId: job.job_id,
      dataset: job.dataset,
      source: `s3://${job.source.bucket}/${job.source.key}`,
      rowsIn: s.inputRows,
      rowsOut: s.silverRows,
      duplicates: s.duplicateRows,
      quarantined: s.quarantinedRows,
      dropped: s.droppedRows,
      goldRows: s.goldRows,
      brokenRules: (job.expectations ?? []).filter((e) => e.violations > 0),
      durationMs,
      outputs: {
        silver: `s3://${lakeBucket}/silver/${job.dataset}/`,
        gold: `s3://${lakeBucket}/gold/`,
        quarantine: s.quarantinedRows ? `s3://${lakeBucket}/quarantine/${job.dataset}/` : undefined,
      },
    },
  };
}

/**
 * The failure alert: what broke, where, and the one thing to do about it, as the exact command:
 * `etl redrive <jobId>` (or the console's Redrive, or `aws stepfunctions redrive-execution`) for a
 * step failure, a corrected upload under the same key for a file that cannot pass. From a
 * deployed stage the `etl` commands target it (`--stage S`, a corrected file by `etl upload`).
 */
export function failureMessage(
  job: { jobId: string; dataset: string; sourceKey: string; executionId: string; sourceBucket?: string },
  error: { type: string; message: string; step: string },
  terminal: boolean,
  stage?: string,
) {
  const link = consoleLink(job.executionId);
  const fix = remedy({ jobId: job.jobId, sourceKey: job.sourceKey }, error.step, terminal, stage ? stageArg(stage) : "", stage ? "upload" : "run");
  const bucket = job.sourceBucket ?? "<raw bucket>";
  return {
    subject: `ETL FAILED ${job.dataset} at ${error.step}: ${error.type}`,
    body: {
      status: "FAILED",
      jobId: job.jobId,
      dataset: job.dataset,
      source: job.sourceKey,
      file: `s3://${bucket}/${job.sourceKey}`,
      step: error.step,
      errorType: error.type,
      message: error.message,
      redrivable: fix.redrivable,
      action: terminal
        ? fix.action
        : `Fix the cause (see the logs of step ${error.step}), then redrive the execution${link ? ` from ${link}` : ""}; it resumes at ${error.step}.`,
      commands: fix.redrivable
        ? [fix.command, `aws stepfunctions redrive-execution --execution-arn ${job.executionId}`]
        : [fix.command, `aws s3 cp <fixed file> s3://${bucket}/${job.sourceKey}`, ...(fix.replay ? [fix.replay] : [])],
      execution: job.executionId,
      ...(link ? { consoleLink: link } : {}),
    },
  };
}
