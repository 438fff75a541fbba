import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Dataset } from "../config/dataset.ts";
import { ContractViolationError } from "../errors.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteIdent, quoteLiteral } from "../engine/sql.ts";
import type { ColumnMapping } from "../job/jobRecord.ts";
import { castFromText, castFromTyped, type NumberStyle } from "./castExpression.ts";
import { SOURCE_TABLE, type SourceColumn } from "./loadSource.ts";
import { checkContract, resolveTypes, type TypedColumn } from "./resolveTypes.ts";

/** Where the rows came from and which job writes them: the derived columns of every silver row. */
export type SilverContext = {
  jobId: string;
  sourceKey: string;
  /** Names this source's files, so a new upload of the same key replaces them. */
  sourceId: string;
  /** The job's start, as `_processed_at`: the same on every re-run of the job. */
  processedAt: string;
  /** Partition date for rows without an event date (YYYY-MM-DD). */
  ingestDate: string;
  fileName: string;
};

/** Row accounting of the silver step. */
export type SilverStats = {
  inputRows: number;
  silverRows: number;
  duplicateRows: number;
  quarantinedRows: number;
  droppedRows: number;
};

/** What `buildSilver` wrote on local disk. */
export type SilverResult = {
  columns: ColumnMapping[];
  stats: SilverStats;
  /** Hive-partitioned Parquet: `<dir>/year=YYYY/month=MM/day=DD/<sourceId>_0.parquet`. */
  silverDir: string;
  /** Rejected rows with their reasons, when there were any. */
  quarantineFile?: string;
};

/** The partition columns, zero-padded strings so paths read `month=01` as the catalog expects. */
const PARTITION_COLUMNS = ["year", "month", "day"] as const;

/** Per-column SQL the statements below share. */
type Plan = { col: TypedColumn; value: string; raw?: string; failed?: string };

/**
 * The silver chain on the loaded source table: types (quarantining what does not fit), the NULL policy, dedup, derived columns and day partitions, written as zstd Parquet.
 * Every input row ends as silver, duplicate, quarantined or dropped, and the counts say so.
 */
export async function buildSilver(
  engine: Engine,
  dataset: Dataset,
  columns: readonly SourceColumn[],
  ctx: SilverContext,
  outDir: string,
  style: NumberStyle,
): Promise<SilverResult> {
  checkContract(dataset, columns, ctx.fileName);
  const typed = await resolveTypes(engine, dataset, columns, SOURCE_TABLE, style);
  checkEventTime(dataset, typed, ctx.fileName);

  const plans: Plan[] = typed.map((col, i) => {
    const src = quoteIdent(col.name);
    if (col.type === col.sourceType) return { col, value: src };
    const value = col.sourceType === "VARCHAR" ? castFromText(src, col.type, style) : castFromTyped(src, col.type);
    const raw = `"__raw${i}"`;
    return { col, value, raw, failed: `(${raw} IS NOT NULL AND ${quoteIdent(col.name)} IS NULL)` };
  });
  await classify(engine, dataset, plans);

  const quarantineFile = `${outDir}/quarantine/${ctx.sourceId}.parquet`;
  const quarantined = await writeQuarantine(engine, plans, ctx, quarantineFile);
  await dedup(engine, dataset, plans);
  await writeSilver(engine, dataset, plans, ctx, `${outDir}/silver`);

  const [counts] = await engine.rows<Record<string, bigint>>(
    `SELECT
       (SELECT count(*) FROM classified) AS input,
       (SELECT count(*) FROM classified WHERE __fate = 'dropped') AS dropped,
       (SELECT count(*) FROM ranked WHERE __dup > 1) AS duplicates,
       (SELECT count(*) FROM ranked WHERE __dup = 1) AS silver`,
  );
  return {
    columns: typed.map((c) => ({ original: c.original, name: c.name, type: c.type })),
    stats: {
      inputRows: Number(counts.input),
      silverRows: Number(counts.silver),
      duplicateRows: Number(counts.duplicates),
      quarantinedRows: quarantined,
      droppedRows: Number(counts.dropped),
    },
    silverDir: `${outDir}/silver`,
    quarantineFile: quarantined > 0 ? quarantineFile : undefined,
  };
}

function checkEventTime(dataset: Dataset, typed: readonly TypedColumn[], fileName: string): void {
  if (!dataset.eventTime) return;
  const col = typed.find((c) => c.name === dataset.eventTime)!;
  if (col.type !== "DATE" && col.type !== "TIMESTAMPTZ") {
    throw new ContractViolationError(
      `${fileName}: event-time column ${col.name} of dataset ${dataset.name} holds ${col.type}, not dates or timestamps; declare its type in the dataset`,
    );
  }
}

/** Types every row and decides its fate: quarantined (a value did not fit), dropped (NULL policy) or kept. */
async function classify(engine: Engine, dataset: Dataset, plans: readonly Plan[]): Promise<void> {
  const select = plans.flatMap((p) => [
    `${p.value} AS ${quoteIdent(p.col.name)}`,
    ...(p.raw ? [`${quoteIdent(p.col.name)} AS ${p.raw}`] : []),
  ]);
  const failed = plans.flatMap((p) => (p.failed ? [p.failed] : []));
  const dropped = Object.entries(dataset.columns)
    .filter(([name, c]) => c.nulls === "drop" && plans.some((p) => p.col.name === name))
    .map(([name]) => `${quoteIdent(name)} IS NULL`);
  const whens = [
    ...(failed.length ? [`WHEN ${failed.join(" OR ")} THEN 'quarantined'`] : []),
    ...(dropped.length ? [`WHEN ${dropped.join(" OR ")} THEN 'dropped'`] : []),
  ];
  const fate = whens.length ? `CASE ${whens.join(" ")} ELSE 'kept' END` : "'kept'";
  await engine.run(
    `CREATE TABLE classified AS SELECT *, ${fate} AS __fate FROM (SELECT __row, ${select.join(", ")} FROM ${SOURCE_TABLE})`,
  );
  // Every row now lives in `classified`: free the source's memory for the steps ahead.
  await engine.run(`DROP TABLE ${SOURCE_TABLE}`);
}

/** Writes the quarantined rows with rule, column, original value and reason; returns their count. */
async function writeQuarantine(engine: Engine, plans: readonly Plan[], ctx: SilverContext, file: string): Promise<number> {
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM classified WHERE __fate = 'quarantined'`);
  if (n === 0n) return 0;
  mkdirSync(dirname(file), { recursive: true });
  const params = new Params();
  const checked = plans.filter((p) => p.failed);
  const firstColumn = `CASE ${checked.map((p) => `WHEN ${p.failed} THEN ${params.add(p.col.name)}`).join(" ")} END`;
  const firstValue = `CASE ${checked.map((p) => `WHEN ${p.failed} THEN CAST(${p.raw} AS VARCHAR)`).join(" ")} END`;
  const reasons = checked.map(
    (p) => `CASE WHEN ${p.failed} THEN format('{}: {} is not a valid {}', ${params.add(p.col.name)}, ${p.raw}, ${params.add(friendlyType(p.col.type))}) END`,
  );
  const record = plans.flatMap((p) => [params.add(p.col.original), `CAST(${p.raw ?? quoteIdent(p.col.name)} AS VARCHAR)`]);
  await engine.run(
    `COPY (
       SELECT __row AS _row_number, 'type' AS _rule, ${firstColumn} AS _column, ${firstValue} AS _value,
              concat_ws('; ', ${reasons.join(", ")}) AS _reason,
              CAST(json_object(${record.join(", ")}) AS VARCHAR) AS _record,
              ${params.add(ctx.sourceKey)} AS _source_key, ${params.add(ctx.jobId)} AS _job_id,
              CAST(${params.add(ctx.processedAt)} AS TIMESTAMPTZ) AS _processed_at
       FROM classified WHERE __fate = 'quarantined' ORDER BY __row
     ) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
    params.values,
  );
  return Number(n);
}

/** Applies fill policies and ranks rows within their dedup key; the first occurrence in the file wins. */
async function dedup(engine: Engine, dataset: Dataset, plans: readonly Plan[]): Promise<void> {
  const params = new Params();
  const select = plans.map((p) => {
    const q = quoteIdent(p.col.name);
    const policy = dataset.columns[p.col.name]?.nulls;
    return typeof policy === "object"
      ? `COALESCE(${q}, CAST(${params.add(policy.fill)} AS ${p.col.type})) AS ${q}`
      : q;
  });
  const keys = (dataset.dedupKeys ?? plans.map((p) => p.col.name)).map(quoteIdent);
  await engine.run(
    `CREATE TABLE ranked AS
     SELECT *, row_number() OVER (PARTITION BY ${keys.join(", ")} ORDER BY __row) AS __dup
     FROM (SELECT __row, ${select.join(", ")} FROM classified WHERE __fate = 'kept')`,
    params.values,
  );
}

/** Writes the kept first occurrences with derived columns, one Parquet file per day partition. */
async function writeSilver(engine: Engine, dataset: Dataset, plans: readonly Plan[], ctx: SilverContext, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const params = new Params();
  const business = plans.map((p) => quoteIdent(p.col.name));
  // A stable fingerprint of the business values: the same row hashes the same on every run.
  // Instants enter as epoch microseconds: formatting them as text is slow and zone-dependent.
  const hashed = plans.map((p) => {
    const c = quoteIdent(p.col.name);
    return p.col.type === "TIMESTAMPTZ" ? `CAST(epoch_us(${c}) AS VARCHAR)` : `CAST(${c} AS VARCHAR)`;
  });
  const rowHash = `md5(to_json(list_value(${hashed.join(", ")})))`;
  const ingest = `CAST(${params.add(ctx.ingestDate)} AS DATE)`;
  const day = dataset.eventTime ? `COALESCE(CAST(${quoteIdent(dataset.eventTime)} AS DATE), ${ingest})` : ingest;
  const partitions = [`strftime(${day}, '%Y') AS year`, `strftime(${day}, '%m') AS month`, `strftime(${day}, '%d') AS day`];
  await engine.run(
    `COPY (
       SELECT ${business.join(", ")}, ${rowHash} AS _row_hash,
              ${params.add(ctx.sourceKey)} AS _source_key, ${params.add(ctx.jobId)} AS _job_id,
              CAST(${params.add(ctx.processedAt)} AS TIMESTAMPTZ) AS _processed_at,
              ${partitions.join(", ")}
       FROM ranked WHERE __dup = 1
       -- Rows grouped by day before the partitioned writer: about twice as fast, and smaller files.
       ORDER BY ${day}
     ) TO ${quoteLiteral(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${PARTITION_COLUMNS.join(", ")}),
        FILENAME_PATTERN ${quoteLiteral(`${ctx.sourceId}_{i}`)}, OVERWRITE_OR_IGNORE true)`,
    params.values,
  );
}

/** The declared-type vocabulary, for messages people read. */
function friendlyType(sqlType: string): string {
  const names: Record<string, string> = {
    BIGINT: "integer",
    DOUBLE: "double",
    BOOLEAN: "boolean",
    DATE: "date",
    TIMESTAMPTZ: "timestamp",
    VARCHAR: "string",
  };
  return names[sqlType] ?? sqlType.toLowerCase();
}
