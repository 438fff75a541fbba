import { mkdtempSync, openSync, readSync, closeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import Table from "cli-table3";
import type { Command } from "commander";
import type { EtlConfig } from "../../core/config/defineConfig.ts";
import { explainDataset, INCOMING_PREFIX } from "../../core/config/matchDataset.ts";
import { Engine } from "../../core/engine/engine.ts";
import { gunzipFile, inflateHead } from "../../core/format/compression.ts";
import { isGzip, sniffFormat } from "../../core/format/sniffFormat.ts";
import { sourceIdFor } from "../../core/job/jobId.ts";
import { cleanFile } from "../../core/silver/cleanFile.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { mustBeFile, positiveInteger, withCommonOptions, type CommonOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";

type CheckOptions = CommonOptions & { config?: string; dataset?: string; rows: number };

const EXAMPLES = `
Writes nothing: no state dir, no upload, no job. The config is validated (exit 2 naming the field
and the valid choices); each file is cleaned as the pipeline would clean it, in a scratch dir
with an in-memory DuckDB, to show the dataset it matches and why, its format, encoding and
dialect, the schema it gets, its first rows as silver would hold them and what the contract
would quarantine. Exit code 0 when every file would pass, 1 when one would fail.

Examples:
  $ etl check
  $ etl check samples/sales.csv
  $ etl check data/*.csv --json`;

const HEAD_BYTES = 64 * 1024;

function head(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/** A value as a person (and JSON) reads it. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}
const plainRow = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]));

/** What one file would become, computed in a scratch dir that is removed afterwards. */
async function checkFile(config: EtlConfig, file: string, opts: CheckOptions) {
  const key = `${INCOMING_PREFIX}${basename(file)}`;
  const match = explainDataset(config, key, opts.dataset);
  const scratch = mkdtempSync(join(tmpdir(), "etl-check-"));
  try {
    const first = head(file);
    const gzip = isGzip(first);
    const format = sniffFormat(gzip ? inflateHead(first, basename(file)) : first, basename(file));
    let path = file;
    if (gzip) {
      path = join(scratch, "unzipped");
      await gunzipFile(file, path, basename(file), Number.MAX_SAFE_INTEGER);
    }
    const engine = await Engine.open({ scratchDir: scratch });
    try {
      const now = new Date().toISOString();
      const result = await cleanFile(engine, {
        path,
        format,
        dataset: match.dataset,
        outDir: join(scratch, "out"),
        ctx: { jobId: "check", sourceKey: key, sourceId: sourceIdFor({ bucket: "check", key }), processedAt: now, ingestDate: now.slice(0, 10), fileName: basename(file) },
      });
      const sample = result.stats.silverRows
        ? (await engine.rows(`SELECT * FROM read_parquet(?, hive_partitioning = false) LIMIT ${opts.rows}`, [join(result.silverDir, "**", "*.parquet")])).map(
            (r) => plainRow(Object.fromEntries(result.columns.map((c) => [c.name, c.type === "DATE" && r[c.name] instanceof Date ? (r[c.name] as Date).toISOString().slice(0, 10) : r[c.name]]))),
          )
        : [];
      const quarantined = result.quarantineFile
        ? (
            await engine.rows(`SELECT _row_number, _rule, _column, _value, _reason FROM read_parquet(?) ORDER BY _row_number LIMIT ${opts.rows}`, [
              result.quarantineFile,
            ])
          ).map(plainRow)
        : [];
      return {
        file,
        key,
        dataset: match.dataset.name,
        match: match.reason,
        inferred: match.inferred,
        format: { format, compression: gzip ? "gzip" : "none", encoding: result.encoding, dialect: result.dialect },
        columns: result.columns,
        ...(result.discardedColumns.length ? { discardedColumns: result.discardedColumns } : {}),
        stats: result.stats,
        expectations: result.expectations.filter((e) => e.violations > 0),
        rows: sample,
        quarantine: quarantined,
      };
    } finally {
      engine.close();
    }
  } catch (error) {
    return { file, key, dataset: match.dataset.name, match: match.reason, inferred: match.inferred, error: { type: (error as Error).name, message: (error as Error).message } };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const n = (x: number) => x.toLocaleString("en-US");

function human(c: Awaited<ReturnType<typeof checkFile>>): string {
  const lines = [c.file];
  const row = (label: string, text: string) => lines.push(`  ${`${label}:`.padEnd(11)} ${text}`);
  row("dataset", `${c.dataset} (${c.match})`);
  if ("error" in c && c.error) {
    row("would fail", `${c.error.type}: ${c.error.message}`);
    return lines.join("\n");
  }
  if (!("stats" in c)) return lines.join("\n");
  const f = c.format;
  const dialect = f.dialect ? `; delimiter ${JSON.stringify(f.dialect.delimiter)}, ${f.dialect.header ? "header row" : "no header"}` : "";
  row("format", `${f.format}${f.compression !== "none" ? ` (${f.compression})` : ""}${f.encoding ? `, ${f.encoding}` : ""}${dialect}`);
  row("schema", c.columns.map((col) => `${col.name} ${col.type}${col.original !== col.name ? ` (from ${JSON.stringify(col.original)})` : ""}`).join(", "));
  const s = c.stats;
  row("rows", `${n(s.inputRows)} in → ${n(s.silverRows)} silver, ${n(s.duplicateRows)} duplicates, ${n(s.quarantinedRows)} quarantined, ${n(s.droppedRows)} dropped by null policy`);
  for (const e of c.expectations) row("rule", `${e.column} ${e.rule}: ${n(e.violations)} (${e.action})`);
  if (c.rows.length) {
    const names = Object.keys(c.rows[0]);
    const t = new Table({ head: names, style: { head: [], border: [] }, chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" } });
    for (const r of c.rows) t.push(names.map((k) => (r[k] === null ? "NULL" : String(r[k]))));
    lines.push(`  first ${c.rows.length} rows as silver would hold them:`, ...t.toString().split("\n").map((l) => `  ${l}`));
  }
  if (c.quarantine.length) {
    lines.push(`  would quarantine (${n(s.quarantinedRows)}):`);
    for (const q of c.quarantine) lines.push(`    row ${q._row_number}: ${q._rule} on ${q._column}: ${q._reason}`);
  }
  return lines.join("\n");
}

async function check(files: string[], opts: CheckOptions): Promise<number> {
  for (const f of files) mustBeFile(f);
  const config = await loadConfig(opts.config);
  if (opts.dataset !== undefined && !config.datasets.some((d) => d.name === opts.dataset)) {
    throw new UsageError(`--dataset ${opts.dataset} is not declared in the config; the datasets are: ${config.datasets.map((d) => d.name).join(", ") || "none"}`);
  }
  process.stderr.write(`config ok: ${config.datasets.length} dataset(s) (${config.datasets.map((d) => d.name).join(", ")}), ${config.gold.length} gold model(s)\n`);
  let failing = false;
  for (const file of files) {
    const c = await checkFile(config, file, opts);
    failing ||= "error" in c && c.error !== undefined;
    process.stdout.write(opts.json ? `${JSON.stringify(c)}\n` : `${human(c)}\n`);
  }
  return failing ? 1 : 0;
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withCommonOptions(cmd)
      .description("Validate the config and show, without writing anything, what each file would become.")
      .argument("[file...]", "files to check as the pipeline would clean them")
      .option("--config <file>", "dataset config (default etl.config.ts in the current directory)")
      .option("--dataset <name>", "check the files as this declared dataset whatever their names")
      .option("--rows <n>", "how many silver and quarantined rows to show", positiveInteger, 5)
      .addHelpText("after", EXAMPLES)
      .action(async (files: string[], opts: CheckOptions) => finish(await check(files, opts)));
  },
};

export const { configure } = command;
