import { createRequire } from "node:module";
import { StateMachine, type StateMachineDefinition as LocalDefinition } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { backfillPermissions } from "../../stacks/policies.ts";
import { BACKFILL_STATES, backfillDefinition, backfillItemProcessor, mapRunStatus } from "../../workflows/backfill.ts";
import { ObjectCreatedEventSchema } from "../../core/events/objectCreated.ts";
import { isAllowed } from "./isAllowed.ts";
import * as v from "valibot";

const require = createRequire(import.meta.url);
const aslValidator = require("asl-validator") as (d: unknown, o?: object) => { isValid: boolean; errorsText: (sep?: string) => string };

const ACCOUNT = "111122223333";
const PIPELINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:Pipeline-abc`;
const BACKFILL = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:Backfill-def`;
const targets = { rawBucket: "etl-raw", pipelineArn: PIPELINE, results: { bucket: "etl-lake", prefix: "backfill_results/" } };
const definition = backfillDefinition(targets);
const map = definition.States[BACKFILL_STATES.map] as Record<string, any>;
const grants = backfillPermissions({
  region: "eu-west-1",
  accountId: ACCOUNT,
  rawBucketArn: "arn:aws:s3:::etl-raw",
  lakeBucketArn: "arn:aws:s3:::etl-lake",
  pipelineArn: PIPELINE,
  backfillArn: BACKFILL,
});

describe("the backfill state machine", () => {
  it("is valid ASL", () => {
    const { isValid, errorsText } = aslValidator(definition, { checkArn: true, checkPaths: true });
    expect(isValid, errorsText("\n")).toBe(true);
  });

  it("is a Distributed Map over the execution input's prefix of the raw bucket, bounded, failing below 100% failures", () => {
    expect(map.Type).toBe("Map");
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
    expect(map.ItemReader).toEqual({ Resource: "arn:aws:states:::s3:listObjectsV2", Parameters: { Bucket: "etl-raw", "Prefix.$": "$.prefix" } });
    expect(map.MaxConcurrency).toBeGreaterThan(0);
    expect(map.MaxConcurrency).toBeLessThanOrEqual(1000);
    expect(map.ToleratedFailurePercentage).toBeGreaterThan(0);
    expect(map.ToleratedFailurePercentage).toBeLessThan(100);
    // Results beyond 256 KiB would fail the run: they go to the lake.
    expect(map.ResultWriter.Parameters).toEqual({ Bucket: "etl-lake", Prefix: "backfill_results/" });
  });

  it("runs each item as a child pipeline execution it waits for, never retried once it ran", () => {
    const run = map.ItemProcessor.States[BACKFILL_STATES.run];
    expect(run.Resource).toBe("arn:aws:states:::states:startExecution.sync:2");
    expect(run.Parameters.StateMachineArn).toBe(PIPELINE);
    for (const retry of run.Retry) expect(retry.ErrorEquals).not.toContain("States.TaskFailed");
    expect(run.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).not.toContain("States.ALL");
  });

  it("gives the child the event S3 sends for the key's current version, without a sequencer", async () => {
    let childInput: unknown;
    const machine = new StateMachine(backfillItemProcessor(targets) as unknown as LocalDefinition);
    const execution = machine.run({ Key: "incoming/sales/a b.csv", Size: 12, Etag: '"x"' } as never, {
      overrides: {
        taskResourceLocalHandlers: {
          [BACKFILL_STATES.pin]: () => ({ VersionId: "v-42", ContentLength: 12, ETag: '"x"', Metadata: {} }) as never,
          [BACKFILL_STATES.run]: (input) => {
            childInput = (input as { Input: unknown }).Input;
            return { ExecutionArn: "arn:x", Status: "SUCCEEDED", Output: {} } as never;
          },
        },
      },
      context: { Execution: { Id: "arn:e", StartTime: "2024-03-01T00:00:00Z" } },
    });
    // Each item's result is only the child's ARN and status: the map's results stay small.
    expect(await execution.result).toEqual({ executionArn: "arn:x", status: "SUCCEEDED" });
    const event = v.parse(ObjectCreatedEventSchema, childInput);
    expect(event.detail).toEqual({ bucket: { name: "etl-raw" }, object: { key: "incoming/sales/a b.csv", size: 12, "version-id": "v-42" } });
  });

  it("ends an item without a child for a folder marker and for a key its own execution archived meanwhile", async () => {
    const machine = new StateMachine(backfillItemProcessor(targets) as unknown as LocalDefinition);
    const started: string[] = [];
    const handlers = {
      [BACKFILL_STATES.pin]: () => {
        const gone = new Error("gone");
        gone.name = "S3.NoSuchKeyException";
        throw gone;
      },
      [BACKFILL_STATES.run]: () => {
        started.push("child");
        return {} as never;
      },
    };
    await machine.run({ Key: "incoming/sales/" } as never, { overrides: { taskResourceLocalHandlers: handlers } }).result;
    await machine.run({ Key: "incoming/sales/x.csv" } as never, { overrides: { taskResourceLocalHandlers: handlers } }).result;
    expect(started).toEqual([]);
  });

  it("fails the run only past the tolerated share", () => {
    expect(mapRunStatus(200, 0)).toBe("SUCCEEDED");
    expect(mapRunStatus(200, 20, 10)).toBe("SUCCEEDED");
    expect(mapRunStatus(200, 21, 10)).toBe("FAILED");
    expect(mapRunStatus(0, 0)).toBe("SUCCEEDED");
  });
});

describe("the backfill role", () => {
  const allowed = (action: string, resource: string) => isAllowed(grants, action, resource);

  it("may list the raw bucket and head uploads, never read other prefixes or write there", () => {
    expect(allowed("s3:ListBucket", "arn:aws:s3:::etl-raw")).toBe(true);
    expect(allowed("s3:GetObject", "arn:aws:s3:::etl-raw/incoming/sales/a.csv")).toBe(true);
    expect(allowed("s3:GetObject", "arn:aws:s3:::etl-raw/archived/sales/a.csv")).toBe(false);
    expect(allowed("s3:PutObject", "arn:aws:s3:::etl-raw/incoming/sales/a.csv")).toBe(false);
    expect(allowed("s3:GetObject", "arn:aws:s3:::etl-lake/silver/sales/x.parquet")).toBe(false);
  });

  it("may start the pipeline and follow and stop its executions, and nothing else's", () => {
    expect(allowed("states:StartExecution", PIPELINE)).toBe(true);
    expect(allowed("states:StartExecution", `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:other`)).toBe(false);
    const child = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:Pipeline-abc:1234`;
    expect(allowed("states:DescribeExecution", child)).toBe(true);
    expect(allowed("states:StopExecution", child)).toBe(true);
    expect(allowed("states:DescribeExecution", `arn:aws:states:eu-west-1:${ACCOUNT}:execution:other:1`)).toBe(false);
  });

  it("may run, follow and redrive its own map runs", () => {
    expect(allowed("states:StartExecution", BACKFILL)).toBe(true);
    expect(allowed("states:DescribeMapRun", `arn:aws:states:eu-west-1:${ACCOUNT}:mapRun:Backfill-def/Backfill:abcd`)).toBe(true);
    expect(allowed("states:RedriveExecution", `arn:aws:states:eu-west-1:${ACCOUNT}:execution:Backfill-def/Backfill:abcd`)).toBe(true);
  });

  it("may manage the managed rule .sync uses, and write the map's results", () => {
    expect(allowed("events:PutRule", `arn:aws:events:eu-west-1:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`)).toBe(true);
    expect(allowed("events:PutRule", `arn:aws:events:eu-west-1:${ACCOUNT}:rule/other`)).toBe(false);
    expect(allowed("s3:PutObject", "arn:aws:s3:::etl-lake/backfill_results/run/manifest.json")).toBe(true);
    expect(allowed("s3:PutObject", "arn:aws:s3:::etl-lake/gold/x")).toBe(false);
  });
});
