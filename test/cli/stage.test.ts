import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { LOCAL_NAMES } from "../../local/localEnv.ts";
import { startIamProxy } from "../../local/iam/proxy.ts";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { startSfnServer } from "../helpers/sfnServer.ts";
import { etlAsync } from "./etl.ts";

/**
 * `--stage` against a "stage" whose outputs file names the local emulators' resources and whose
 * endpoints come from the standard AWS_ENDPOINT_URL_* variables: the CLI, spawned as a user runs
 * it, makes the SDK calls it makes on AWS, over the wire, with the caller's credentials.
 */
let p: TestPipeline;
let sfn: Awaited<ReturnType<typeof startSfnServer>>;
let dir: string;
let outputs: string;
let redriven: string;
let failed: string;
let env: Record<string, string>;
const STATE_MACHINE = `arn:aws:states:us-east-1:000000000000:stateMachine:${LOCAL_NAMES.stateMachine}`;

/**
 * The CLI in a child process, awaited without blocking: the emulators it calls run in this one.
 */
const etl = (args: string[], options: { env: Record<string, string> }) => etlAsync(args, options).done;
const stage = (args: string[], extra: Record<string, string> = {}) => etl([...args, "--stage", "test", "--outputs", outputs], { env: { ...env, ...extra } });

/** Runs a command the stage must refuse: exit 2, no call to Step Functions; returns what it said. */
async function refused(args: string[]): Promise<string> {
  const before = sfn.calls.length;
  const out = await stage(args);
  expect(out.code).toBe(2);
  expect(sfn.calls.length).toBe(before);
  return out.stderr;
}

beforeAll(async () => {
  // Aggregate throws once per execution: the first job is then redriven locally (SUCCESS, 2 attempts), the second stays FAILED.
  p = await startPipeline({ iam: false, faults: "throw:aggregate:Error:1" });
  const first = await p.runtime.upload("samples/sales.csv", "incoming/sales.csv");
  expect((await p.runtime.execute(first)).status).toBe("FAILED");
  redriven = jobIdFor(sourceFromEvent(first));
  expect((await p.runtime.redrive(redriven)).outcome.status).toBe("SUCCEEDED");
  const second = await p.runtime.upload("test/fixtures/sales-corrected.csv", "incoming/sales-b.csv");
  expect((await p.runtime.execute(second)).status).toBe("FAILED");
  failed = jobIdFor(sourceFromEvent(second));
  sfn = await startSfnServer();
  dir = mkdtempSync(join(tmpdir(), "etl-stage-"));
  outputs = join(dir, "outputs.json");
  writeFileSync(
    outputs,
    JSON.stringify({ stage: "test", region: "us-east-1", rawBucket: LOCAL_NAMES.rawBucket, lakeBucket: LOCAL_NAMES.lakeBucket, jobsTable: LOCAL_NAMES.jobsTable,
      outputsTable: LOCAL_NAMES.outputsTable,
      stateMachine: STATE_MACHINE,
    }),
  );
  env = {
    AWS_ENDPOINT_URL_S3: p.runtime.env.AWS_ENDPOINT_URL_S3,
    AWS_ENDPOINT_URL_DYNAMODB: p.runtime.env.AWS_ENDPOINT_URL_DYNAMODB,
    AWS_ENDPOINT_URL_SFN: sfn.url,
    AWS_ACCESS_KEY_ID: "operator",
    AWS_SECRET_ACCESS_KEY: "operator",
    // The names come from the outputs file, not from what the runtime put in this process's environment.
    ETL_RAW_BUCKET: "",
    ETL_LAKE_BUCKET: "",
    ETL_JOBS_TABLE: "",
    ETL_OUTPUTS_TABLE: "",
    ETL_STATE_MACHINE_ARN: "",
    AWS_REGION: "",
  };
});

afterAll(async () => {
  await sfn?.stop();
  await p?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("etl jobs / job --stage", () => {
  it("lists the stage's ledger from its jobs table: the redriven job SUCCESS after 2 attempts, the other FAILED", async () => {
    const out = await stage(["jobs", "--json"]);
    expect(out.code, out.stderr).toBe(0);
    const byId = Object.fromEntries(out.json.map((j) => [j.jobId, j]));
    expect(byId[redriven]).toMatchObject({ status: "SUCCESS", attempts: 2, dataset: "sales", source: { bucket: "etl-raw", key: "incoming/sales.csv" } });
    expect(byId[failed]).toMatchObject({ status: "FAILED", error: { step: "aggregate" } });
    const table = await stage(["jobs", "--status", "FAILED"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(failed);
    expect(table.stdout).not.toContain(redriven);
    expect(table.stderr).toContain("etl job <JOB> --stage test");
  });

  it("shows a job's whole record with its outputs read from the stage's lake bucket, and the stage command that fixes it", async () => {
    const ok = await stage(["job", redriven, "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    const d = ok.json[0];
    expect(Object.keys(d)[0]).toBe("jobId");
    expect(d).toMatchObject({ status: "SUCCESS", attempts: 2, redrives: 1 });
    expect(d.outputs.silver.length).toBeGreaterThan(0);
    expect(d.outputs.silver[0]).toMatch(/^etl-lake\/silver\/sales\//);
    expect(d.outputs.gold.length).toBeGreaterThan(0);
    // A stage has no local journal: the console link is where its history is.
    expect(d.journal).toBeUndefined();
    const bad = await stage(["job", failed]);
    expect(bad.code).toBe(0);
    expect(bad.stdout).toContain(`fix:       etl redrive ${failed} --stage test`);
    expect(bad.stdout).not.toContain("journal:");
  });

  it("lists by status or dataset from the table's indexes: an on-call role that may only Query them and GetItem (no Scan) lists and shows jobs", async () => {
    const table = `arn:aws:dynamodb:us-east-1:000000000000:table/${LOCAL_NAMES.jobsTable}`;
    const onCall = { principal: "arn:aws:sts::000000000000:assumed-role/on-call/me", policies: [{ Statement: [
      { Effect: "Allow" as const, Action: "dynamodb:Query", Resource: `${table}/index/*` },
      { Effect: "Allow" as const, Action: "dynamodb:GetItem", Resource: table },
    ] }] };
    const proxy = await startIamProxy(env.AWS_ENDPOINT_URL_DYNAMODB, { principals: (key) => (key === "on-call" ? onCall : undefined), region: "us-east-1", account: "000000000000" });
    try {
      const as = { AWS_ACCESS_KEY_ID: "on-call", AWS_ENDPOINT_URL_DYNAMODB: proxy.url };
      const byStatus = await stage(["jobs", "--status", "FAILED", "--json"], as);
      expect(byStatus.code, byStatus.stderr).toBe(0);
      expect(byStatus.json.map((j) => j.jobId)).toEqual([failed]);
      const byDataset = await stage(["jobs", "--dataset", "sales", "--since", "1d", "--json"], as);
      expect(byDataset.json.map((j) => j.jobId)).toEqual([failed, redriven]);
      expect((await stage(["jobs", "--dataset", "sales", "--since", "2099-01-01", "--json"], as)).json).toEqual([]);
      const shown = await stage(["job", failed, "--json"], as);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.json[0]).toMatchObject({ jobId: failed, status: "FAILED" });
      // Every job, unfiltered, is a Scan: that role may not, and is told so in one line.
      const all = await stage(["jobs"], as);
      expect(all.code).toBe(2);
      expect(all.stderr).toContain(`stage test: your credentials may not use the jobs table ${LOCAL_NAMES.jobsTable}`);
    } finally {
      await proxy.stop();
    }
  });

  it("says which job is missing, exit 2", async () => {
    const out = await stage(["job", "job-nosuch"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("no job job-nosuch in stage test (etl jobs --stage test lists them)");
  });
});

describe("etl redrive --stage", () => {
  it("calls RedriveExecution on the job's execution, once per attempt, and says how to follow it", async () => {
    const out = await stage(["redrive", failed, "--json"]);
    expect(out.code, out.stderr).toBe(0);
    const call = sfn.calls.at(-1)!;
    expect(call.operation).toBe("RedriveExecution");
    const listed = (await stage(["job", failed, "--json"])).json[0];
    expect(call.input).toEqual({ executionArn: listed.executionArn, clientToken: `${failed}-attempt-2` });
    expect(listed.executionArn).toMatch(/^arn:aws:states:us-east-1:/);
    expect(out.json[0]).toMatchObject({ jobId: failed, redriven: true, step: "aggregate", executionArn: listed.executionArn, redriveDate: "2026-01-02T03:04:05.000Z" });
    const human = await stage(["redrive", failed]);
    expect(human.stdout).toContain(`redriven: ${failed} resumes at aggregate`);
    expect(human.stderr).toContain(`follow it: etl job ${failed} --stage test`);
  });

  it("refuses a job that has nothing to redrive, without calling Step Functions, exit 2", async () => {
    expect((await refused(["redrive", redriven])).trim()).toBe(`etl redrive: job ${redriven} is SUCCESS: there is nothing to redrive`);
  });
});

/** The StartExecution calls the fake received since `from`, their input parsed as the state machine sees it. */
const startsSince = (from: number) =>
  sfn.calls
    .slice(from)
    .filter((c) => c.operation === "StartExecution")
    .map((c) => ({ ...c.input, input: JSON.parse(String(c.input.input)) }));

describe("etl replay --stage", () => {
  it("--dry-run plans from the stage's tables and buckets and starts nothing", async () => {
    const before = sfn.calls.length;
    const out = await stage(["replay", redriven, "--dry-run", "--json"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json).toEqual([
      expect.objectContaining({ dryRun: true, replayOf: redriven, dataset: "sales", key: "incoming/sales.csv", from: "bronze", wouldEnd: "SUCCESS" }),
    ]);
    const human = await stage(["replay", redriven, "--dry-run"]);
    expect(human.stdout).toMatch(new RegExp(`^would replay ${redriven} {2}sales {2}incoming/sales.csv {2}version \\S+ {2}from bronze\\n$`));
    expect(sfn.calls.length).toBe(before);
  });

  it("starts the replay on the stage's state machine, named by its job id, once however often it is typed; the local pipeline runs that input as a replay", async () => {
    const before = sfn.calls.length;
    const out = await stage(["replay", redriven, "--json"]);
    expect(out.code, out.stderr).toBe(0);
    const [started] = out.json;
    const [call] = startsSince(before);
    expect(call).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: started.jobId,
      input: expect.objectContaining({
        "detail-type": "Object Created",
        detail: expect.objectContaining({ bucket: { name: "etl-raw" }, object: expect.objectContaining({ key: "incoming/sales.csv" }) }),
        replay: { jobId: started.jobId, of: redriven, dataset: "sales", from: { bucket: "etl-lake", key: expect.stringMatching(new RegExp(`^bronze/sales/${redriven}/`)) } },
      }),
    });
    expect(started).toEqual({ jobId: started.jobId, executionArn: `arn:aws:states:us-east-1:000000000000:execution:${LOCAL_NAMES.stateMachine}:${started.jobId}`, started: true, follow: "etl jobs --stage test" });
    expect(started.jobId).not.toBe(redriven);
    // Typed again: the same name and input, which Step Functions answers with the same execution.
    const again = await stage(["replay", redriven]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`started ${started.jobId}  execution ${started.executionArn}\n`);
    expect(again.stderr).toContain("follow it: etl jobs --stage test");
    const starts = startsSince(before);
    expect(starts).toHaveLength(2);
    expect(starts[1]).toEqual(starts[0]);
    // What the stage's state machine would run: the pipeline takes it as a replay of the job (the
    // injected aggregate fault fails its first attempt; a redrive completes it).
    await p.runtime.execute(call.input);
    expect((await p.runtime.redrive(started.jobId)).outcome.status).toBe("SUCCEEDED");
    const listed = (await stage(["jobs", "--json"])).json.find((j) => j.jobId === started.jobId);
    expect(listed).toMatchObject({ status: "SUCCESS", replayOf: redriven, source: { key: "incoming/sales.csv" } });
  }, 60_000);

  it("an unknown job: says where to list them, starts nothing, exit 2", async () => {
    expect(await refused(["replay", "job-nosuch"])).toContain("etl replay: no job job-nosuch; etl jobs --stage test lists them");
  });
});

describe("etl retract --stage", () => {
  it("--dry-run says what would be retracted and erased, starting nothing", async () => {
    const before = sfn.calls.length;
    const out = await stage(["retract", "sales.csv", "--dry-run", "--json"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json).toEqual([{ dryRun: true, key: "incoming/sales.csv", dataset: "sales", of: expect.stringMatching(/^job-/), erase: true, jobs: expect.arrayContaining([redriven]) }]);
    expect(sfn.calls.length).toBe(before);
  });

  it("starts the retract on the stage's state machine with the retract field; another request for the same key is the execution already started", async () => {
    const before = sfn.calls.length;
    const plan = (await stage(["retract", "incoming/sales.csv", "--dry-run", "--json"])).json[0];
    const out = await stage(["retract", "incoming/sales.csv", "--json"]);
    expect(out.code, out.stderr).toBe(0);
    const [started] = out.json;
    const [call] = startsSince(before);
    expect(call).toMatchObject({
      stateMachineArn: STATE_MACHINE,
      name: started.jobId,
      input: { detail: { object: { key: "incoming/sales.csv", size: 0 } }, retract: { jobId: started.jobId, dataset: "sales", of: plan.of, erase: true, jobs: plan.jobs } },
    });
    expect(started).toMatchObject({ started: true, follow: "etl jobs --stage test" });
    const again = await stage(["retract", "incoming/sales.csv"]);
    expect(again.stdout).toBe(`started ${started.jobId}  execution ${started.executionArn}\n`);
    expect(startsSince(before).at(-1)).toEqual(call);
    // --keep-raw is another input under the same name: Step Functions refuses it, the retract already runs.
    const keep = await stage(["retract", "incoming/sales.csv", "--keep-raw"]);
    expect(keep.code, keep.stderr).toBe(0);
    expect(keep.stdout).toBe(`already started ${started.jobId}  execution ${started.executionArn}  (etl job ${started.jobId} --stage test shows it)\n`);
  });

  it("a key with nothing committed: exit 2, nothing started", async () => {
    expect(await refused(["retract", "incoming/nosuch.csv"])).toContain(
      "no rows of incoming/nosuch.csv in the lake: no version of it was committed (etl jobs --stage test lists the keys)",
    );
  });
});

describe("etl upload --stage", () => {
  it("puts the file under incoming/ in the stage's raw bucket and prints its key, version id and job id", async () => {
    const out = await stage(["upload", "samples/sales.csv", "--key", "incoming/up/sales.csv", "--json"]);
    expect(out.code, out.stderr).toBe(0);
    const u = out.json[0];
    expect(u).toMatchObject({ bucket: "etl-raw", key: "incoming/up/sales.csv", follow: "etl jobs --stage test" });
    const head = await p.s3.send(new HeadObjectCommand({ Bucket: "etl-raw", Key: "incoming/up/sales.csv", VersionId: u.versionId }));
    expect(head.ContentLength).toBe(u.size);
    expect(u.jobId).toBe(jobIdFor({ bucket: "etl-raw", key: "incoming/up/sales.csv", versionId: u.versionId }));
    const human = await stage(["upload", "samples/sales.csv"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^uploaded s3:\/\/etl-raw\/incoming\/sales.csv {2}version \S+ {2}job job-/);
    expect(human.stderr).toContain("follow it: etl jobs --stage test");
  });

  it("sends a large file in parts", async () => {
    const big = join(dir, "big.csv");
    writeFileSync(big, "");
    truncateSync(big, 20 * 1024 * 1024 + 5);
    const out = await stage(["upload", big, "--json"]);
    expect(out.code, out.stderr).toBe(0);
    const head = await p.s3.send(new HeadObjectCommand({ Bucket: "etl-raw", Key: "incoming/big.csv", VersionId: out.json[0].versionId }));
    expect(head.ContentLength).toBe(20 * 1024 * 1024 + 5);
    // A multipart upload's ETag counts its parts: 8 MiB parts make 3.
    expect(head.ETag).toMatch(/-3"$/);
  });

  it("refuses a key outside incoming/, exit 2, nothing uploaded", async () => {
    const out = await stage(["upload", "samples/sales.csv", "--key", "archived/sales.csv"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--key "archived/sales.csv" must start with incoming/');
  });

  it("without --stage says that etl run is the local way, exit 2", async () => {
    const out = await etl(["upload", "samples/sales.csv"], { env });
    expect(out.code).toBe(2);
    expect(out.stderr.split("\n")[0]).toBe(
      "etl upload: upload sends a file to a deployed stage: give --stage <name>; locally, etl run <file> [--key incoming/…] uploads it and runs the pipeline",
    );
  });
});

describe("a stage the CLI cannot reach", () => {
  it("no outputs file: says to deploy the stage or name its resources, exit 2", async () => {
    const none = join(dir, "none.json");
    const out = await etl(["jobs", "--stage", "dev", "--outputs", none], { env });
    expect(out.code).toBe(2);
    expect(out.stderr.trim()).toBe(`etl jobs: no ${none}: deploy the stage first (npx sst deploy --stage dev); or give --region (or AWS_REGION)`);
    const withRegion = await etl(["jobs", "--stage", "dev", "--outputs", none], { env: { ...env, AWS_REGION: "eu-west-1" } });
    expect(withRegion.code).toBe(2);
    expect(withRegion.stderr.trim()).toBe(`etl jobs: no ${none}: deploy the stage first (npx sst deploy --stage dev); or give --jobs-table (or ETL_JOBS_TABLE)`);
  });

  it("another stage's outputs: names both stages, exit 2", async () => {
    const out = await etl(["jobs", "--stage", "prod", "--outputs", outputs], { env });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`${outputs} is stage test's, not prod's: deploy it (npx sst deploy --stage prod)`);
  });

  it("explicit names need no outputs file", async () => {
    const out = await etl(["jobs", "--stage", "ops", "--outputs", join(dir, "none.json"), "--jobs-table", LOCAL_NAMES.jobsTable, "--region", "us-east-1", "--json"], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(out.json.map((j) => j.jobId)).toContain(failed);
  });

  it("a table that is not there: asks whether the stage is deployed, exit 2", async () => {
    const out = await stage(["jobs", "--jobs-table", "etl-removed"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^etl jobs: stage test: the jobs table etl-removed does not exist: is the stage deployed \(npx sst deploy --stage test\)\?/);
  });

  it("no AWS credentials: says how to sign in, exit 2", async () => {
    const out = await stage(["jobs"], {
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_PROFILE: "",
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"),
      AWS_CONFIG_FILE: join(dir, "no-config"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(out.code).toBe(2);
    expect(out.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(out.stderr).toMatch(/^etl jobs: stage test: no AWS credentials .*: sign in \(aws sso login, aws configure/);
  });
});
