import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand, HeadObjectCommand, DeleteObjectsCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";
import { LOCAL_NAMES, LOCAL_TOPIC_ARN } from "../../local/localEnv.ts";
import { FUNCTION_NAMES, type FunctionName } from "../../stacks/handlers.ts";
import { functionPermissions, type Permission } from "../../stacks/policies.ts";
import { resourceMatches } from "../../local/iam/evaluate.ts";
import { functionAccessKey, localResourceArns } from "../../local/iam/principals.ts";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { objectCreatedEvent, type ObjectCreatedEvent } from "../../core/events/objectCreated.ts";
import { sweepEvent } from "../../core/job/sweep.ts";
import { leaveJobRunning } from "../helpers/stuckJob.ts";

const GRANTS = functionPermissions(localResourceArns());

/** One permission: an action on one resource pattern of one statement of one function. */
type Case = { fn: FunctionName; action: string; resource: string };

/** The function's grants with that one action removed from that one resource, everything else kept. */
function without({ fn, action, resource }: Case): Record<FunctionName, Permission[]> {
  const grants = GRANTS[fn].flatMap((g) => {
    if (!g.actions.includes(action) || !g.resources.includes(resource)) return [g];
    const rest = g.actions.filter((a) => a !== action);
    const others = g.resources.filter((r) => r !== resource);
    return [
      ...(rest.length ? [{ actions: rest, resources: g.resources }] : []),
      ...(others.length ? [{ actions: [action], resources: others }] : []),
    ];
  });
  return { ...GRANTS, [fn]: grants };
}

/**
 * Requests AWS makes with the function's role on its behalf, not calls of its handler: SNS asks
 * KMS for a data key of the encrypted topic, Lambda sends an unprocessed event to the on-failure
 * destination. Nothing local makes them; test/infra/policies.test.ts pins them.
 */
const ON_BEHALF = /^(kms|sqs):/;

/**
 * Grants only a race uses, which one sequential scenario cannot reach: clean undoing its copies
 * when a newer upload takes the key mid-commit (it checks its silver and quarantine objects and
 * reads its own intent record), and the fail handler removing what a terminal error left staged.
 * test/integration/concurrency.test.ts runs those paths with these very policies enforced.
 */
const RACE_ONLY = new Set([
  "clean s3:GetObject arn:aws:s3:::etl-lake/silver/*",
  "clean s3:GetObject arn:aws:s3:::etl-lake/quarantine/*",
  "clean s3:GetObject arn:aws:s3:::etl-lake/jobs/*",
  "clean s3:ListBucket arn:aws:s3:::etl-lake",
  "clean dynamodb:GetItem arn:aws:dynamodb:us-east-1:000000000000:table/etl-jobs",
  "clean s3:PutObject arn:aws:s3:::etl-lake/job_history/*",
  "fail s3:DeleteObject arn:aws:s3:::etl-lake/staging/*",
  // An erasure removes what the key's jobs left staged: only a job that failed before its commit leaves any.
  "archive s3:DeleteObject arn:aws:s3:::etl-lake/staging/*",
]);

const CASES: Case[] = FUNCTION_NAMES.flatMap((fn) =>
  GRANTS[fn].flatMap((g) => g.actions.flatMap((action) => g.resources.map((resource) => ({ fn, action, resource })))),
).filter((c) => !ON_BEHALF.test(c.action) && !RACE_ONLY.has(`${c.fn} ${c.action} ${c.resource}`));

/** The job id of the first upload of a key, from the job table (not the pipeline's code). */
async function readJobOf(key: string): Promise<string | undefined> {
  const { getServices } = await import("../../functions/services.ts");
  for await (const job of getServices().jobs.ofDataset("sales")) if (job.source.key === key && !job.replayOf) return job.job_id;
  return undefined;
}

/** What a user sees of one run: how the execution ended and which alerts it sent. */
type Observed = { status: string; error?: string; alerts: unknown[]; history: number };

/**
 * One scenario making every function use all it is granted, run by run: a first upload (silver,
 * quarantine, staging, gold, archive, summary), its duplicate delivery (extract reads the job),
 * a corrected file under the same key (retiring silver, quarantine and gold), archive run again
 * once its source is gone (a redrive: 404 needs s3:ListBucket), an event whose object is gone
 * (extract's 404), a file breaking its contract (the failure recorder) and the scheduled sweep
 * of a job left RUNNING for hours. It stops after the run in which the first call was refused.
 */
async function scenario(p: TestPipeline): Promise<Observed[]> {
  const observed: Observed[] = [];
  const runs: (() => Promise<{ status: string; error?: string }>)[] = [];
  const execute = async (event: unknown) => {
    const o = await p.runtime.execute(event);
    return { status: o.status, error: o.error?.Error, output: o.output };
  };
  let first: ObjectCreatedEvent | undefined;
  let corrected: Record<string, unknown> | undefined;
  runs.push(async () => execute((first = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv"))));
  runs.push(() => execute(first));
  runs.push(async () => {
    const r = await execute(await p.runtime.upload("test/fixtures/sales-corrected.csv", "incoming/sales.csv"));
    corrected = r.output;
    return r;
  });
  // A file with a column the dataset did not have: its schema evolves and load updates the silver table.
  runs.push(async () => {
    const extra = join(mkdtempSync(join(tmpdir(), "etl-iam-")), "sales-coupon.csv");
    writeFileSync(extra, "order_id,customer_name,product,quantity,unit_price,order_date,coupon\n9001,Zoe,Laptop,1,999.00,2024-03-09,SPRING\n");
    return execute(await p.runtime.upload(extra, "incoming/sales-coupon.csv"));
  });
  runs.push(async () => {
    const { handler } = await import("../../functions/archive.ts");
    return handler({ extract: corrected?.extract }).then(() => ({ status: "SUCCEEDED" }), (e: Error) => ({ status: "FAILED", error: e.name }));
  });
  // A delivery naming no version (versioning suspended on the raw bucket): archive checks the key's
  // current object and removes it by key; run again once it is gone, the check is a 404.
  const unversioned = async () => {
    const extract = corrected?.extract as { job: { source: Record<string, unknown> } };
    const key = "incoming/suspended.csv";
    const head = await p.s3.send(new HeadObjectCommand({ Bucket: RAW, Key: key })).catch(() => undefined);
    const source = { bucket: RAW, key, etag: head?.ETag ?? "gone", sequencer: "FFFFFFFFFFFFFFFFFF" };
    const { handler } = await import("../../functions/archive.ts");
    return handler({ extract: { ...extract, job: { ...extract.job, source } } }).then(
      () => ({ status: "SUCCEEDED" }),
      (e: Error) => ({ status: "FAILED", error: e.name }),
    );
  };
  runs.push(async () => {
    await p.runtime.upload("test/fixtures/sales-corrected.csv", "incoming/suspended.csv");
    return unversioned();
  });
  runs.push(unversioned);
  runs.push(() =>
    execute(objectCreatedEvent({ bucket: RAW, key: "incoming/sales-gone.csv", size: 10, etag: '"0"', sequencer: "0000000000000000A1" })),
  );
  runs.push(async () => execute(await p.runtime.upload("test/fixtures/sales-wrong-columns.csv", "incoming/sales-wrong-columns.csv")));
  runs.push(async () => {
    const { getServices } = await import("../../functions/services.ts");
    const { handler } = await import("../../functions/sweep.ts");
    await leaveJobRunning(getServices().jobs, "incoming/stuck.csv", 7);
    return handler(sweepEvent(6 * 3600)).then(
      (r) => ({ status: r.swept.length ? "SWEPT" : "NONE" }),
      (e: Error) => ({ status: "FAILED", error: e.name }),
    );
  });
  // etl replay: the coupon file's job from its bronze copy, then that replay from archived/ once its bronze copy is gone.
  const replay = async (jobId: string) => {
    const { planReplay } = await import("../../core/replay/planReplay.ts");
    const { getServices } = await import("../../functions/services.ts");
    const [planned] = (await planReplay(getServices(), { jobId })).replays;
    replayed = planned.jobId;
    return execute(planned.event);
  };
  let replayed = "";
  runs.push(async () => replay((await readJobOf("incoming/sales-coupon.csv"))!));
  runs.push(async () => {
    await p.s3.send(new DeleteObjectsCommand({ Bucket: LAKE, Delete: { Objects: [{ Key: `bronze/sales/${replayed}/sales-coupon.csv` }] } }));
    return replay(replayed);
  });
  // etl retract: an erasure of the key (its rows, bronze copies and every raw version).
  runs.push(async () => {
    const { planRetract } = await import("../../core/replay/planRetract.ts");
    const { getServices } = await import("../../functions/services.ts");
    return execute((await planRetract(getServices(), "incoming/sales-coupon.csv", { erase: true })).event);
  });
  for (const run of runs) {
    const { status, error } = await run();
    // The job history rows count too: fail writes its row after the alert, best effort.
    const history = (await p.keys(LAKE, "job_history/")).length;
    observed.push({ status, error, alerts: (await p.alerts()).map((a) => a.Message.status), history });
    if (p.runtime.denials.length) break;
  }
  return observed;
}

async function run(permissions: Record<FunctionName, Permission[]>) {
  const p = await startPipeline({ iam: { permissions }, retryIntervals: { RecordFailure: 1 } });
  try {
    const observed = await scenario(p);
    return { observed, denials: [...p.runtime.denials] };
  } finally {
    await p.stop();
  }
}

describe("IAM enforced locally", () => {
  let baseline: Observed[];

  beforeAll(async () => {
    const { observed, denials } = await run(GRANTS);
    expect(denials).toEqual([]);
    baseline = observed;
  });

  it("runs every path of the scenario with the deployed policies and nothing refused", () => {
    expect(baseline.map(({ history, ...seen }) => seen)).toEqual([
      { status: "SUCCEEDED", error: undefined, alerts: ["SUCCESS"] },
      { status: "SUCCEEDED", error: undefined, alerts: [] },
      { status: "SUCCEEDED", error: undefined, alerts: ["SUCCESS"] },
      { status: "SUCCEEDED", error: undefined, alerts: ["SUCCESS"] },
      { status: "SUCCEEDED", error: undefined, alerts: [] },
      { status: "SUCCEEDED", error: undefined, alerts: [] },
      { status: "SUCCEEDED", error: undefined, alerts: [] },
      { status: "FAILED", error: "SourceMissingError", alerts: ["FAILED"] },
      { status: "FAILED", error: "ContractViolationError", alerts: ["FAILED"] },
      { status: "SWEPT", error: undefined, alerts: ["FAILED"] },
      { status: "SUCCEEDED", error: undefined, alerts: ["SUCCESS"] },
      { status: "SUCCEEDED", error: undefined, alerts: ["SUCCESS"] },
      { status: "SUCCEEDED", error: undefined, alerts: ["SUCCESS"] },
    ]);
  });

  it.each(CASES)("changes what a user sees without $fn's $action on $resource, naming it", async (c) => {
    const { observed, denials } = await run(without(c));

    // The first refusal is the one permission taken away, for that function, on a resource it covered.
    expect(denials[0]).toMatchObject({ action: c.action, principal: expect.stringContaining(`/etl-${c.fn}`) });
    expect(resourceMatches(c.resource, denials[0].resource)).toBe(true);
    expect(denials[0].message).toContain(`is not authorized to perform: ${c.action} on resource:`);
    // The run in which it was refused ends otherwise than with the permission: a failed step, or a missing alert.
    const refused = observed.at(-1)!;
    expect(refused).not.toEqual(baseline[observed.length - 1]);
  });
});

describe("versioned reads and deletes through the IAM check", () => {
  /** A function's S3 client, signing as that function does in the local runtime. */
  const clientOf = (fn: FunctionName) =>
    new S3Client({ forcePathStyle: true, credentials: { accessKeyId: functionAccessKey(fn), secretAccessKey: "local" } });
  const withoutAction = (fn: FunctionName, action: string) =>
    ({ ...GRANTS, [fn]: GRANTS[fn].map((g) => ({ ...g, actions: g.actions.filter((a) => a !== action) })) }) as Record<FunctionName, Permission[]>;

  it("authorizes a read naming a version as s3:GetObjectVersion, for extract and archive", async () => {
    for (const fn of ["extract", "archive"] as const) {
      const p = await startPipeline({ iam: { permissions: withoutAction(fn, "s3:GetObjectVersion") } });
      await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
      const s3 = clientOf(fn);
      // The current object is still readable; the named version is not.
      await expect(s3.send(new GetObjectCommand({ Bucket: RAW, Key: "incoming/sales.csv" }))).resolves.toBeDefined();
      const error = await s3.send(new GetObjectCommand({ Bucket: RAW, Key: "incoming/sales.csv", VersionId: "v1" })).catch((e: Error) => e);
      expect(error).toMatchObject({ name: "AccessDenied", message: expect.stringContaining("s3:GetObjectVersion") });
      const head = await s3.send(new HeadObjectCommand({ Bucket: RAW, Key: "incoming/sales.csv", VersionId: "v1" })).catch((e) => e);
      expect(head.$metadata.httpStatusCode).toBe(403);
      expect(p.runtime.denials.map((d) => d.action)).toEqual(["s3:GetObjectVersion", "s3:GetObjectVersion"]);
      s3.destroy();
      await p.stop();
    }
  });

  it("lets archive delete versions of incoming/ and archived/ (an erasure's), and nothing else of the bucket", async () => {
    const p = await startPipeline();
    await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
    const s3 = clientOf("archive");
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: RAW,
        Delete: { Objects: [{ Key: "incoming/sales.csv", VersionId: "v1" }, { Key: "notes/sales.csv", VersionId: "v1" }] },
      }),
    ).catch((e: Error) => e);
    expect(out).toMatchObject({ name: "AccessDenied", message: expect.stringContaining('s3:DeleteObjectVersion on resource: "arn:aws:s3:::etl-raw/notes/sales.csv"') });
    expect(p.runtime.denials).toHaveLength(1);
    s3.destroy();
    await p.stop();
  });

  it("answers 403, not 404, for a missing key to a function without s3:ListBucket", async () => {
    const p = await startPipeline({ iam: { permissions: withoutAction("extract", "s3:ListBucket") } });
    const s3 = clientOf("extract");
    const error = await s3.send(new GetObjectCommand({ Bucket: RAW, Key: "incoming/none.csv" })).catch((e: Error) => e);
    expect(error).toMatchObject({ name: "AccessDenied", message: expect.stringContaining("s3:ListBucket") });
    s3.destroy();
    await p.stop();
    const allowed = await startPipeline();
    const s3b = clientOf("extract");
    const missing = await s3b.send(new GetObjectCommand({ Bucket: RAW, Key: "incoming/none.csv" })).catch((e: Error) => e);
    expect(missing).toMatchObject({ name: "NoSuchKey" });
    s3b.destroy();
    await allowed.stop();
  });
});

describe("what a refused call looks like to the function and to the user", () => {
  const credentials = (fn: FunctionName) => ({ accessKeyId: functionAccessKey(fn), secretAccessKey: "local" });

  it("records the job FAILED at the step, naming the action and the resource, and alerts once", async () => {
    const p = await startPipeline({ iam: { permissions: without({ fn: "clean", action: "s3:PutObject", resource: "arn:aws:s3:::etl-lake/silver/*" }) } });
    const event = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
    const outcome = await p.runtime.execute(event);

    expect(outcome).toMatchObject({ status: "FAILED", error: { Error: "AccessDenied" } });
    const job = await readJob(jobIdFor(sourceFromEvent(event)));
    expect(job).toMatchObject({ status: "FAILED", error: { type: "AccessDenied", step: "clean" } });
    expect(job?.error.message).toMatch(/etl-clean is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::etl-lake\/silver\/sales\/year=2024\//);
    const alerts = await p.alerts();
    expect(alerts.map((a) => a.Message.status)).toEqual(["FAILED"]);
    await p.stop();
  });

  it("answers DynamoDB's AccessDeniedException and SNS's AuthorizationError through the real SDK clients", async () => {
    const p = await startPipeline();
    const dynamo = new DynamoDBClient({ credentials: credentials("clean") });
    const put = await dynamo
      .send(new PutItemCommand({ TableName: LOCAL_NAMES.jobsTable, Item: { job_id: { S: "x" } } }))
      .catch((e: Error & { $metadata: { httpStatusCode: number } }) => e);
    expect(put).toMatchObject({
      name: "AccessDeniedException",
      message: `User: arn:aws:sts::000000000000:assumed-role/etl-clean-role/etl-clean is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/etl-jobs because no identity-based policy allows the dynamodb:PutItem action`,
      $metadata: { httpStatusCode: 400 },
    });
    // The sweep may query the status index, not the table's other index.
    const sweep = new DynamoDBClient({ credentials: credentials("sweep") });
    const query = (index: string) =>
      sweep.send(
        new QueryCommand({
          TableName: LOCAL_NAMES.jobsTable,
          IndexName: index,
          KeyConditionExpression: "#k = :v",
          ExpressionAttributeNames: { "#k": index === "by_status" ? "status" : "dataset" },
          ExpressionAttributeValues: { ":v": { S: "RUNNING" } },
        }),
      );
    await expect(query("by_status")).resolves.toBeDefined();
    await expect(query("by_dataset")).rejects.toMatchObject({ name: "AccessDeniedException", message: expect.stringContaining("table/etl-jobs/index/by_dataset") });

    const sns = new SNSClient({ credentials: credentials("extract") });
    const publish = await sns.send(new PublishCommand({ TopicArn: LOCAL_TOPIC_ARN, Message: "x" })).catch((e) => e);
    expect(publish).toMatchObject({ name: "AuthorizationErrorException", $metadata: { httpStatusCode: 403 }, message: expect.stringContaining(`sns:Publish on resource: ${LOCAL_TOPIC_ARN}`) });
    for (const c of [dynamo, sweep, sns]) c.destroy();
    await p.stop();
  });
});
