/**
 * Shared plumbing of the public-data tests (`test/public/*.test.ts`): run one file of an npm
 * package through the real local pipeline, then gather what it wrote with readers that do not
 * use the pipeline's code (S3 GetObject + a DuckDB of our own, the job item read straight from
 * the table).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { defineConfig } from "../../core/config/defineConfig.ts";
import { objectCreatedEvent, sourceFromEvent, type ObjectCreatedEvent } from "../../core/events/objectCreated.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { STEPS, stateName } from "../../core/steps.ts";
import { LAKE, RAW, readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";

export { LAKE, RAW };

/** Where the packages' files are, whatever directory vitest runs from. */
export const SPECTRUM_DIR = fileURLToPath(new URL("../../node_modules/csv-spectrum/", import.meta.url));
export const VEGA_DIR = fileURLToPath(new URL("../../node_modules/vega-datasets/data/", import.meta.url));
export const VEGA_PACKAGE = fileURLToPath(new URL("../../node_modules/vega-datasets/datapackage.json", import.meta.url));

/** No declared dataset at all: every upload lands in an inferred dataset (no declared columns, whole-row dedup). */
export const INFERRED_ONLY = defineConfig({ datasets: [] });

/** A pipeline with no declared datasets and no pauses between retries (a retried step fails fast). */
export function startPublicPipeline(): Promise<TestPipeline> {
  return startPipeline({
    config: INFERRED_ONLY,
    retryIntervals: Object.fromEntries(STEPS.map((s) => [stateName(s), 0])),
  });
}

/** Terminal error types (docs/design.md decision 4), spelled out here rather than imported from core/. */
export const TERMINAL_TYPES = [
  "UnsupportedFormatError",
  "EmptyFileError",
  "FileTooLargeError",
  "SourceMissingError",
  "MalformedFileError",
  "ContractViolationError",
  "RowCountMismatchError",
  "QualityGateError",
  "TooManyPartitionsError",
  "UnmatchedDatasetError",
];

/** Lower snake_case ASCII, as README's "Names columns" promises. */
export const SNAKE_CASE = /^[a-z_][a-z0-9_]*$/;

/** Column names silver adds itself, and the partition columns that live only in the path. */
export function isPipelineColumn(name: string): boolean {
  return name.startsWith("_") || name === "year" || name === "month" || name === "day";
}

export type Stats = {
  inputRows: number;
  silverRows: number;
  duplicateRows: number;
  quarantinedRows: number;
  droppedRows: number;
  goldRows: number;
};

/** One run of one file through the state machine. */
export type Run = {
  key: string;
  dataset: string;
  jobId: string;
  outcome: Awaited<ReturnType<TestPipeline["runtime"]["execute"]>>;
  job: Record<string, any> | undefined;
  /** Silver objects of the run's dataset (each test uses a dataset of its own). */
  silverKeys: string[];
  /** Those objects downloaded to local files, for our own DuckDB. */
  silverFiles: string[];
};

/**
 * Uploads `file` under `key` with `dataset` in its metadata, runs the state machine on the event
 * and collects the job record and the silver objects. `multipart` uploads in 8 MiB parts: the
 * runtime's own `upload` is one PUT, which the S3 emulator refuses above 11 MiB.
 */
export async function runFile(
  p: TestPipeline,
  scratch: string,
  input: { file: string; key: string; dataset: string; multipart?: boolean },
): Promise<Run> {
  const event = input.multipart
    ? await uploadMultipart(p, input.file, input.key, input.dataset)
    : await p.runtime.upload(input.file, input.key, input.dataset);
  const jobId = jobIdFor(sourceFromEvent(event));
  const outcome = await p.runtime.execute(event);
  const job = await readJob(jobId);
  const silverKeys = await p.keys(LAKE, `silver/${input.dataset}/`);
  const silverFiles = await download(p, LAKE, silverKeys, scratch);
  return { key: input.key, dataset: input.dataset, jobId, outcome, job, silverKeys, silverFiles };
}

let sequencer = 0;

async function uploadMultipart(p: TestPipeline, file: string, key: string, dataset: string): Promise<ObjectCreatedEvent> {
  const { size } = await stat(file);
  const { UploadId } = await p.s3.send(
    new CreateMultipartUploadCommand({ Bucket: RAW, Key: key, Metadata: { "etl-dataset": dataset } }),
  );
  const PART = 8 * 1024 * 1024;
  const parts: { ETag: string | undefined; PartNumber: number }[] = [];
  const handle = await open(file);
  try {
    for (let offset = 0, n = 1; offset < size; offset += PART, n++) {
      const body = Buffer.alloc(Math.min(PART, size - offset));
      await handle.read(body, 0, body.length, offset);
      const out = await p.s3.send(new UploadPartCommand({ Bucket: RAW, Key: key, UploadId, PartNumber: n, Body: body }));
      parts.push({ ETag: out.ETag, PartNumber: n });
    }
  } finally {
    await handle.close();
  }
  const done = await p.s3.send(
    new CompleteMultipartUploadCommand({ Bucket: RAW, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
  );
  sequencer += 1;
  return objectCreatedEvent({
    bucket: RAW,
    key,
    size,
    etag: done.ETag ?? "",
    sequencer: `F${Date.now().toString(16)}${sequencer.toString(16).padStart(6, "0")}`.toUpperCase(),
  });
}

/** Downloads objects into `dir` with unique names (no hive-style folders: partition columns stay out). */
async function download(p: TestPipeline, bucket: string, keys: string[], dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const key of keys) {
    const out = await p.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const file = join(dir, `${files.length}-${Math.random().toString(36).slice(2)}-${basename(key)}`);
    await writeFile(file, await out.Body!.transformToByteArray());
    files.push(file);
  }
  return files;
}

/** A temporary folder for one test file. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "etl-public-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Our own DuckDB, in UTC, to read source files and silver Parquet independently of the pipeline. */
export class Oracle {
  private readonly db: DuckDBInstance;
  private readonly conn: DuckDBConnection;

  private constructor(db: DuckDBInstance, conn: DuckDBConnection) {
    this.db = db;
    this.conn = conn;
  }

  static async open(): Promise<Oracle> {
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return new Oracle(db, conn);
  }

  async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return (await this.conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }
}

/** A path or list of paths as a SQL literal (our own temp paths and package paths only). */
export function sqlPaths(paths: string | string[]): string {
  const one = (p: string) => `'${p.replaceAll("'", "''")}'`;
  return Array.isArray(paths) ? `[${paths.map(one).join(", ")}]` : one(paths);
}

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
