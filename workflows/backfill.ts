import type { StateMachineDefinition } from "./pipeline.ts";

/** What the backfill's definition is built from: the bucket it lists, the pipeline it starts, where the map writes its results. */
export type BackfillTargets = {
  rawBucket: string;
  pipelineArn: string;
  /** The bucket and prefix the Distributed Map writes its per-item results to (ResultWriter). */
  results: { bucket: string; prefix: string };
  /** Child executions at once (default BACKFILL_MAX_CONCURRENCY). */
  maxConcurrency?: number;
  /** The share of items that may fail before the map run fails (default BACKFILL_TOLERATED_FAILURE_PERCENT). */
  toleratedFailurePercentage?: number;
};

/**
 * Child executions at once. Each runs clean and aggregate at 3008 MB: 40 of them stay well under a
 * new account's 1,000 concurrent Lambda executions, leaving room for live uploads.
 */
export const BACKFILL_MAX_CONCURRENCY = 40;

/**
 * Below 100, so a run with failed items itself ends FAILED and can be redriven (a redrive of a
 * map run re-runs only its failed items); above 0, so a few bad files do not stop the thousands
 * of good ones. The map stops early once more than this share has failed.
 */
export const BACKFILL_TOLERATED_FAILURE_PERCENT = 10;

/** The states of the backfill: the map, and the item processor's states (the local runner executes the latter). */
export const BACKFILL_STATES = {
  map: "BackfillPrefix",
  folder: "IsFolder",
  pin: "PinVersion",
  run: "RunPipeline",
  skipped: "NotAFile",
  gone: "AlreadyGone",
} as const;

/**
 * One item of the map, run as its own child workflow: `item` is one object of the ItemReader's
 * ListObjectsV2 page (`Key`, `Size`, `Etag`, `LastModified`, `StorageClass`). It pins the key's
 * current version (ListObjectsV2 gives keys, not versions), then runs the pipeline on the event
 * S3 would have sent for that version, without a sequencer: extract orders it against the key's
 * committed version (docs/runtime.md "Backfill"). The same version already processed has the
 * same job id, so it ends SKIPPED instead of being loaded twice.
 */
export function backfillItemProcessor(targets: Pick<BackfillTargets, "rawBucket" | "pipelineArn">): StateMachineDefinition {
  const { folder, pin, run, skipped, gone } = BACKFILL_STATES;
  return {
    Comment: "One object of a backfill: pin its current version, run the pipeline on it and wait for the result.",
    StartAt: folder,
    TimeoutSeconds: 7 * 3600,
    States: {
      [folder]: {
        Type: "Choice",
        Comment: "A console-created folder is a zero-byte key ending in /: not a file.",
        Choices: [{ Variable: "$.Key", StringMatches: "*/", Next: skipped }],
        Default: pin,
      },
      [skipped]: { Type: "Succeed" },
      [pin]: {
        Type: "Task",
        Resource: "arn:aws:states:::aws-sdk:s3:headObject",
        Parameters: { Bucket: targets.rawBucket, "Key.$": "$.Key" },
        ResultSelector: { "VersionId.$": "$.VersionId", "ContentLength.$": "$.ContentLength" },
        ResultPath: "$.head",
        Retry: [
          { ErrorEquals: ["S3.SdkClientException", "S3.S3Exception", "States.Timeout"], IntervalSeconds: 2, MaxAttempts: 4, BackoffRate: 2, JitterStrategy: "FULL" },
        ],
        // Its live execution archived it between the listing and now: that upload is processed already.
        Catch: [{ ErrorEquals: ["S3.NoSuchKeyException"], ResultPath: null, Next: gone }],
        Next: run,
      },
      [gone]: { Type: "Succeed", Comment: "The key left incoming/ after the listing: its own upload's execution processed it." },
      [run]: {
        Type: "Task",
        Resource: "arn:aws:states:::states:startExecution.sync:2",
        Parameters: {
          StateMachineArn: targets.pipelineArn,
          Input: {
            // The event S3 sends for an upload (core/events/objectCreated.ts), for the pinned version.
            "detail-type": "Object Created",
            source: "aws.s3",
            "time.$": "$$.Execution.StartTime",
            detail: {
              bucket: { name: targets.rawBucket },
              object: { "key.$": "$.Key", "size.$": "$.head.ContentLength", "version-id.$": "$.head.VersionId" },
              reason: "Backfill",
            },
            // Links the child to this execution in the console.
            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
          },
        },
        ResultSelector: { "executionArn.$": "$.ExecutionArn", "status.$": "$.Status" },
        // Only refusals to start are retried: a child that ran and failed is redriven on its own (or with the map run).
        Retry: [
          {
            ErrorEquals: ["StepFunctions.ExecutionLimitExceededException", "StepFunctions.SdkClientException"],
            IntervalSeconds: 5,
            MaxAttempts: 6,
            BackoffRate: 2,
            JitterStrategy: "FULL",
          },
        ],
        End: true,
      },
    },
  };
}

/**
 * The backfill as ASL (JSONPath, as the pipeline's; docs/design.md decision 14): a Distributed
 * Map whose ItemReader lists the execution input's `prefix` of the raw bucket and runs each key
 * as a child workflow (`backfillItemProcessor`) with its own child pipeline execution, at most
 * `maxConcurrency` at once. Results go to S3 (ResultWriter): a map's inline result is limited to
 * 256 KiB, a few thousand items.
 */
export function backfillDefinition(targets: BackfillTargets): StateMachineDefinition {
  const { StartAt, States } = backfillItemProcessor(targets);
  return {
    Comment: "Medallion ETL backfill: one child pipeline execution per object under a prefix of the raw bucket.",
    StartAt: BACKFILL_STATES.map,
    // A backfill of many objects outlives one pipeline execution's 6 hours; Standard executions may run a year.
    TimeoutSeconds: 7 * 24 * 3600,
    States: {
      [BACKFILL_STATES.map]: {
        Type: "Map",
        ItemReader: {
          Resource: "arn:aws:states:::s3:listObjectsV2",
          Parameters: { Bucket: targets.rawBucket, "Prefix.$": "$.prefix" },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt,
          States,
        },
        MaxConcurrency: targets.maxConcurrency ?? BACKFILL_MAX_CONCURRENCY,
        ToleratedFailurePercentage: targets.toleratedFailurePercentage ?? BACKFILL_TOLERATED_FAILURE_PERCENT,
        Label: "Backfill",
        ResultWriter: {
          Resource: "arn:aws:states:::s3:putObject",
          Parameters: { Bucket: targets.results.bucket, Prefix: targets.results.prefix },
        },
        End: true,
      },
    },
  };
}

/** How a map run ends under the tolerated-failure rule: FAILED once more than the tolerated share of items failed. */
export function mapRunStatus(total: number, failed: number, toleratedPercent = BACKFILL_TOLERATED_FAILURE_PERCENT): "SUCCEEDED" | "FAILED" {
  return total > 0 && (failed / total) * 100 > toleratedPercent ? "FAILED" : "SUCCEEDED";
}
