/**
 * Where `etl run` spends its time inside the emulated world, one operation at a time, on the same
 * file as the benchmark: the S3 emulator's upload, download and server-side copy, the clean
 * chain's phases (UTF-8 check, the DuckDB read, the silver chain), the silver uploads and the lake
 * mirror. One process, one pass: a profile to decide what to work on, not a benchmark.
 *
 *   npm run bench:profile [-- --rows 1000000]   (MB/s: of the CSV, for comparison)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { S3Client } from "@aws-sdk/client-s3";
import { Engine } from "../core/engine/engine.ts";
import { engineLimits, functionMemoryMb } from "../core/engine/engineLimits.ts";
import { toUtf8 } from "../core/format/encoding.ts";
import { ObjectStore } from "../core/io/objectStore.ts";
import { buildSilver } from "../core/silver/buildSilver.ts";
import { loadSource } from "../core/silver/loadSource.ts";
import { LOCAL_NAMES } from "../local/localEnv.ts";
import { LocalRuntime } from "../local/runtime.ts";
import benchConfig from "./bench.config.ts";
import { num, table } from "./table.ts";

const { values: args } = parseArgs({ options: { rows: { type: "string", default: "1000000" } } });
const work = mkdtempSync(join(tmpdir(), "etl-profile-"));
const csv = join(work, "sales.csv");
const timings: [string, number][] = [];
async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await step();
  timings.push([name, (performance.now() - start) / 1000]);
  return result;
}

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

try {
  execFileSync(process.execPath, [join(import.meta.dirname, "gen_sales.mjs"), args.rows, csv]);
  const mb = statSync(csv).size / 1e6;
  const runtime = await timed("emulators start", () => LocalRuntime.start({ stateDir: join(work, "state"), fresh: true }));
  try {
    const s3 = new S3Client({ forcePathStyle: true });
    const store = new ObjectStore(s3);
    const raw = { bucket: LOCAL_NAMES.rawBucket, key: "incoming/sales.csv" };
    const bronze = { bucket: LOCAL_NAMES.lakeBucket, key: "bronze/sales/job/sales.csv" };
    await timed("S3 upload (PutObject/multipart)", () => runtime.upload(csv, raw.key));
    await timed("S3 server-side copy (bronze)", () => store.copy(raw, bronze));
    const local = join(work, "bronze.csv");
    await timed("S3 download (bronze → /tmp)", () => store.download(bronze, local));

    const dataset = benchConfig.datasets[0];
    const engine = await timed("DuckDB open", () => Engine.open({ scratchDir: join(work, "scratch"), ...engineLimits(functionMemoryMb()) }));
    const text = await timed("clean: UTF-8 check", () => toUtf8(local, "sales.csv", dataset.encoding));
    const source = await timed("clean: read CSV (split, trim, NULL tokens)", () =>
      loadSource(engine, { path: text.path, format: "csv", fileName: "sales.csv", nullValues: dataset.nullValues, csv: dataset.csv, workDir: join(work, "read") }),
    );
    const ctx = { jobId: "job", sourceKey: raw.key, sourceId: "sales", processedAt: new Date().toISOString(), ingestDate: "2026-01-01", fileName: "sales.csv" };
    const silver = await timed("clean: types, checks, dedup, write", () =>
      buildSilver(engine, dataset, source, ctx, join(work, "out"), { decimalComma: false }),
    );
    engine.close();
    const written = files(silver.silverDir);
    await timed(`S3 upload of ${written.length} silver files`, async () => {
      for (const f of written) await store.upload(f, { bucket: LOCAL_NAMES.lakeBucket, key: `silver/sales/${relative(silver.silverDir, f)}` });
    });
    await timed("S3 server-side copy (archive)", () => store.copy(raw, { ...raw, key: "archived/sales.csv" }));
    s3.destroy();
    console.log(`${Number(args.rows).toLocaleString("en")} orders, ${mb.toFixed(0)} MB CSV\n`);
    console.log(table(["operation", "time s", "MB/s"], timings.map(([name, s]) => [name, num(s), num(mb / s, 0)])));
  } finally {
    await runtime.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
