import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Dataset, RuleAction } from "../config/dataset.ts";
import { ContractViolationError, QualityGateError, TooManyPartitionsError } from "../errors.ts";
import type { Engine } from "../engine/engine.ts";
import { Params, quoteIdent, quoteLiteral } from "../engine/sql.ts";
import type { ColumnMapping } from "../job/jobRecord.ts";
import { castFromText, castFromTyped, type NumberStyle } from "./castExpression.ts";
import { columnChecks, eventTimeCheck, friendlyType, type Check, type TypedPlan } from "./checks.ts";
import { sqlType } from "../config/columnType.ts";
import { MALFORMED_TABLE, SOURCE_TABLE, type LoadedSource, type SourceColumn } from "./loadSource.ts";
import { checkContract, resolveTypes, type TypedColumn } from "./resolveTypes.ts";
import { reconcileSchema } from "../schema/reconcileSchema.ts";
import type { SchemaDocument } from "../schema/schemaDocument.ts";
import { PARQUET_FORMAT } from "../engine/parquet.ts";

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
  /** quarantinedRows / inputRows (4 places), the share the quality gate compared. */
  quarantinedShare: number;
};

/** What `buildSilver` wrote on local disk. */
export type SilverResult = {
  columns: ColumnMapping[];
  stats: SilverStats;
  /** Hive-partitioned Parquet: `<dir>/year=YYYY/month=MM/day=DD/<sourceId>_0.parquet`. */
  silverDir: string;
  /** Rejected rows with their reasons, when there were any. */
  quarantineFile?: string;
  /** Columns dropped by the `discard` schema mode, as the file named them. */
  discardedColumns: string[];
  /** Violations per expectation, including those that only warn. */
  expectations: ExpectationResult[];
  /** The schema version the file was read against; `next` is a new version to commit before publishing. */
  schema: { version: number; hash: string; next?: SchemaDocument };
};

/** The partition columns, zero-padded strings so paths read `month=01` as the catalog expects. */
const PARTITION_COLUMNS = ["year", "month", "day"] as const;

/** Per-column SQL the statements below share: the typed value, and its text when a cast can fail. */
type Plan = TypedPlan & { value: string };

/** How often a file broke one expectation, and what that did. */
export type ExpectationResult = { column: string; rule: string; action: RuleAction; violations: number };

/**
 * The silver chain on the loaded source table: the schema mode, types and expectations
 * (quarantining, counting or rejecting what breaks them), the NULL policy, dedup, derived columns
 * and day partitions, written as zstd Parquet. Every input row ends as silver, duplicate,
 * quarantined or dropped, and the counts say so.
 */
export async function buildSilver(
  engine: Engine,
  dataset: Dataset,
  source: Pick<LoadedSource, "columns" | "position" | "malformed">,
  ctx: SilverContext,
  outDir: string,
  style: NumberStyle,
  /** The dataset's stored schema (docs/design.md decision 13); the file founds one when there is none. */
  stored?: SchemaDocument,
): Promise<SilverResult> {
  const { columns } = source;
  checkContract(dataset, columns, ctx.fileName);
  const { kept, discarded, missing } = applySchemaMode(dataset, columns, ctx.fileName);
  const resolved = await resolveTypes(engine, dataset, kept, SOURCE_TABLE, style, source.position);
  const { typed, schema } = readAgainstSchema(dataset, resolved, stored, ctx.fileName);
  checkEventTime(dataset, typed, ctx.fileName);

  const castParams = new Params();
  const plans: Plan[] = [
    ...typed.map((col, i) => {
      const src = quoteIdent(col.name);
      const declared = dataset.columns[col.name];
      if (col.type === col.sourceType && !declared?.timezone) return { col, value: src };
      const target = { type: col.type, format: declared?.format ?? col.format, timezone: declared?.timezone };
      const value = col.sourceType === "VARCHAR" ? castFromText(src, target, style, castParams) : castFromTyped(src, col.type);
      return { col, value, raw: `"__raw${i}"` };
    }),
    // Declared columns a file lacks (schema mode evolve) are added as NULLs: silver keeps one shape.
    ...missing.map((name) => {
      const type = sqlType(dataset.columns[name].type);
      return { col: { original: name, name, sourceType: type, type }, value: `CAST(NULL AS ${type})` };
    }),
    // So are the stored schema's inferred columns it lacks: every file of the dataset has every column.
    ...absentStored(dataset, stored, columns).map((c) => ({
      col: { original: c.name, name: c.name, sourceType: c.type, type: c.type },
      value: `CAST(NULL AS ${c.type})`,
    })),
  ];
  const range = eventTimeRange(dataset, ctx.ingestDate);
  const expectations = await classify(engine, dataset, plans, castParams, ctx.fileName, source, range);
  await checkQuarantineGate(engine, dataset, ctx.fileName);
  await dedup(engine, dataset, plans);
  const [counts] = await engine.rows<Record<string, bigint>>(
    `SELECT count(*) + ${source.malformed} AS input, count_if(__fate = 'dropped') AS dropped, count_if(__fate = 'kept') AS kept,
            (SELECT count(*) FROM ${REPEATS_TABLE}) AS duplicates FROM classified`,
  );
  await checkRowGate(engine, dataset, ctx.fileName, Number(counts.kept - counts.duplicates));
  await checkPartitionCount(engine, dataset, plans, ctx);
  // Past the gates: nothing is written for a file that fails them.
  const quarantineFile = `${outDir}/quarantine/${ctx.sourceId}.parquet`;
  const quarantined = await writeQuarantine(engine, ctx, quarantineFile);
  const silver = await writeSilver(engine, dataset, plans, ctx, `${outDir}/silver`);

  return {
    columns: plans.map(({ col }) => ({
      original: col.original,
      name: col.name,
      type: col.type,
      ...(col.format ? { format: col.format } : {}),
    })),
    discardedColumns: discarded,
    expectations,
    stats: {
      inputRows: Number(counts.input),
      silverRows: silver,
      duplicateRows: Number(counts.duplicates),
      quarantinedRows: quarantined,
      droppedRows: Number(counts.dropped),
      quarantinedShare: Number(counts.input) ? Math.round((quarantined / Number(counts.input)) * 10_000) / 10_000 : 0,
    },
    schema,
    silverDir: `${outDir}/silver`,
    quarantineFile: quarantined > 0 ? quarantineFile : undefined,
  };
}

/**
 * The file's resolved types read against the dataset's stored schema: values are cast to the
 * stored types (misfits quarantined by the type check) or the schema widens (`reconcileSchema`).
 * A frozen schema rejects a file whose types it would have to widen.
 */
function readAgainstSchema(dataset: Dataset, typed: TypedColumn[], stored: SchemaDocument | undefined, fileName: string) {
  const file = typed.map((c) => ({ name: c.name, type: c.type, format: c.format, declared: c.name in dataset.columns }));
  const reconciled = reconcileSchema(dataset.name, stored, file, { mode: dataset.schema, widenToString: dataset.widenToString });
  if (dataset.schema === "freeze" && reconciled.held.length) {
    const list = reconciled.held.map((h) => `${h.column} holds ${friendlyType(h.found)}, stored as ${friendlyType(h.stored)}`).join("; ");
    throw new ContractViolationError(`${fileName}: ${list}, but dataset ${dataset.name} has a frozen schema`);
  }
  const next = reconciled.next;
  const current = next ?? stored!;
  return {
    typed: typed.map((c) => ({ ...c, ...reconciled.types.get(c.name)! })),
    schema: { version: current.version, hash: current.hash, ...(next ? { next } : {}) },
  };
}

/** The stored schema's undeclared columns a file lacks, kept (as NULLs) under `evolve`. */
function absentStored(dataset: Dataset, stored: SchemaDocument | undefined, columns: readonly SourceColumn[]) {
  if (!stored || dataset.schema !== "evolve") return [];
  const present = new Set(columns.map((c) => c.name));
  return stored.columns.filter((c) => !present.has(c.name) && !(c.name in dataset.columns));
}

/** Splits a file's columns by the dataset's schema mode; a frozen schema rejects any difference. */
function applySchemaMode(dataset: Dataset, columns: readonly SourceColumn[], fileName: string) {
  const declared = Object.keys(dataset.columns);
  const present = new Set(columns.map((c) => c.name));
  const extra = columns.filter((c) => !(c.name in dataset.columns));
  const missing = declared.filter((name) => !present.has(name));
  if (dataset.schema === "freeze" && (extra.length || missing.length)) {
    const parts = [
      ...(extra.length ? [`undeclared column(s) ${extra.map((c) => c.name).join(", ")}`] : []),
      ...(missing.length ? [`no column(s) ${missing.join(", ")}`] : []),
    ];
    throw new ContractViolationError(`${fileName} has ${parts.join(" and ")}, but dataset ${dataset.name} has a frozen schema`);
  }
  if (dataset.schema === "discard") {
    return { kept: columns.filter((c) => c.name in dataset.columns), discarded: extra.map((c) => c.original), missing };
  }
  return { kept: [...columns], discarded: [], missing };
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

/**
 * Types every row, evaluates every expectation and decides each row's fate: quarantined (a
 * value broke a quarantine rule), dropped (NULL policy) or kept. A `fail` rule that any row
 * breaks rejects the whole file; `warn` rules only count. The rejected rows, with their
 * quarantine details and original record, are gathered here too, where the rules' parameters are
 * bound (`createRejected`).
 */
async function classify(
  engine: Engine,
  dataset: Dataset,
  plans: readonly Plan[],
  params: Params,
  fileName: string,
  { position, malformed }: Pick<LoadedSource, "position" | "malformed">,
  range: { from: string; to: string },
): Promise<ExpectationResult[]> {
  const checks = [
    ...plans.flatMap((p) => columnChecks(p, dataset.columns[p.col.name], params)),
    ...(dataset.eventTime ? [eventTimeCheck(dataset.eventTime, params, range)] : []),
  ];
  const typed = plans.flatMap((p) => [`${p.value} AS ${quoteIdent(p.col.name)}`, ...(p.raw ? [`${quoteIdent(p.col.name)} AS ${p.raw}`] : [])]);
  const flags = checks.map((c, i) => `${c.condition} AS "__c${i}"`);
  const quarantining = checks.map((c, i) => ({ ...c, flag: `"__c${i}"` })).filter((c) => c.action === "quarantine");
  const dropped = Object.entries(dataset.columns)
    .filter(([name, c]) => c.nulls === "drop" && plans.some((p) => p.col.name === name))
    .map(([name]) => `${quoteIdent(name)} IS NULL`);
  const whens = [
    ...(quarantining.length ? [`WHEN ${quarantining.map((c) => c.flag).join(" OR ")} THEN 'quarantined'`] : []),
    ...(dropped.length ? [`WHEN ${dropped.join(" OR ")} THEN 'dropped'`] : []),
  ];
  const fate = whens.length ? `CASE ${whens.join(" ")} ELSE 'kept' END` : "'kept'";
  const first = (pick: (c: (typeof quarantining)[number]) => string) =>
    quarantining.length ? `CASE ${quarantining.map((c) => `WHEN ${c.flag} THEN ${pick(c)}`).join(" ")} END` : "NULL";
  // The original record of a quarantined row, as its text was, is kept for those rows only: storing
  // the raw text columns of every row made the 5M-row chain 16.3-17.3 s instead of 14.5-15.0 s.
  const record = plans.flatMap((p) => [params.add(p.col.original), `CAST(${p.raw ?? quoteIdent(p.col.name)} AS VARCHAR)`]);
  const raws = plans.flatMap((p) => (p.raw ? [p.raw] : []));
  const details = [
    `${first((c) => params.add(c.rule))} AS __rule`,
    `${first((c) => params.add(c.column))} AS __column`,
    `${first((c) => c.value)} AS __value`,
    `${quarantining.length ? `concat_ws('; ', ${quarantining.map((c) => `CASE WHEN ${c.flag} THEN ${c.reason()} END`).join(", ")})` : "NULL"} AS __reason`,
  ];
  // Every row typed, flagged and given its fate, with what quarantine shows of it; `from` holds
  // source rows and `position` their place in the file. Both statements below bind every parameter.
  const rows = (from: string, position: string) =>
    `SELECT *, CASE WHEN __fate = 'quarantined' THEN CAST(json_object(${record.join(", ")}) AS VARCHAR) END AS __record
     FROM (SELECT *, ${fate} AS __fate, ${details.join(", ")}
           FROM (SELECT *, ${flags.length ? flags.join(", ") : "NULL AS __none"} FROM (SELECT ${position} AS __row, ${typed.join(", ")} FROM ${from})))`;
  // `classified` keeps no quarantine details: five text columns, NULL on almost every row, made it
  // 2.2-3.1 s instead of 1.8-2.1 s at 5M rows. `rejected` computes them for the quarantined rows alone.
  await engine.run(
    `CREATE TABLE classified AS
     SELECT * EXCLUDE (${[...raws, "__rule", "__column", "__value", "__reason", "__record"].join(", ")}) FROM (${rows(SOURCE_TABLE, position)})`,
    params.values,
  );
  const results = checks.length ? await countViolations(engine, checks, fileName) : [];
  const quarantined = `(SELECT ${position} AS __position, * FROM ${SOURCE_TABLE} WHERE ${position} IN (SELECT __row FROM classified WHERE __fate = 'quarantined'))`;
  await createRejected(engine, `(${rows(quarantined, "__position")})`, params, malformed);
  // Every row now lives in `classified` or `rejected`: free the source's memory for the steps ahead.
  await engine.run(`DROP TABLE ${SOURCE_TABLE}`);
  return results;
}

/** How often each expectation was broken; a `fail` rule broken by any row rejects the file. */
async function countViolations(engine: Engine, checks: readonly Check[], fileName: string): Promise<ExpectationResult[]> {
  const [counts] = await engine.rows<Record<string, bigint | null>>(
    `SELECT ${checks.map((_, i) => `count_if("__c${i}") AS "n${i}", min(__row) FILTER (WHERE "__c${i}") AS "r${i}"`).join(", ")} FROM classified`,
  );
  const results = checks.map((c, i) => ({ column: c.column, rule: c.rule, action: c.action, violations: Number(counts[`n${i}`] ?? 0) }));
  const fatal = checks.map((c, i) => ({ c, n: Number(counts[`n${i}`] ?? 0), row: counts[`r${i}`] })).filter((x) => x.c.action === "fail" && x.n > 0);
  if (fatal.length) {
    const list = fatal.map((x) => `${x.c.column} ${x.c.rule} (${x.n} rows, first at row ${x.row})`).join("; ");
    throw new ContractViolationError(`${fileName} breaks rules whose action is fail: ${list}`);
  }
  return results;
}

/**
 * Gathers every rejected row in one table, in the quarantine's shape: rows whose values broke a
 * rule (with the whole original row as JSON), from `quarantined` (`classify`'s rows of them, bound
 * by `params`), and CSV records that did not fit the file's layout (rule `malformed_row`, the raw
 * line as their value).
 */
async function createRejected(engine: Engine, quarantined: string, params: Params, malformed: number): Promise<void> {
  const malformedRows = malformed
    ? `UNION ALL SELECT row, ${params.add("malformed_row")}, NULL, raw, reason, CAST(json_object('line', line, 'raw', raw) AS VARCHAR) FROM ${MALFORMED_TABLE}`
    : "";
  await engine.run(
    `CREATE TABLE rejected AS
     SELECT __row AS _row_number, __rule AS _rule, __column AS _column, __value AS _value, __reason AS _reason,
            __record AS _record
     FROM ${quarantined} WHERE __fate = 'quarantined'
     ${malformedRows}`,
    params.values,
  );
}

/** Reasons a quality-gate failure lists. */
const TOP_REASONS = 3;

/** Fails the file when its quarantined share is over the dataset's gate, naming the top reasons. */
async function checkQuarantineGate(engine: Engine, dataset: Dataset, fileName: string): Promise<void> {
  const [{ rejected, input }] = await engine.rows<{ rejected: bigint; input: bigint }>(
    `SELECT (SELECT count(*) FROM rejected) AS rejected,
            (SELECT count(*) FROM classified WHERE __fate <> 'quarantined') + (SELECT count(*) FROM rejected) AS input`,
  );
  const share = Number(input) ? Number(rejected) / Number(input) : 0;
  // A file whose every row was quarantined never passes, whatever the gate says.
  if (share <= dataset.maxQuarantinedRatio && !(rejected > 0n && rejected === input)) return;
  throw new QualityGateError(
    `${fileName}: ${Number(rejected)} of ${Number(input)} rows (${percent(share)}) were quarantined, over the gate of dataset ${dataset.name} ` +
      `(maxQuarantinedRatio ${dataset.maxQuarantinedRatio}); nothing was published. Top reasons: ${await topReasons(engine)}`,
  );
}

/** Fails the file when fewer rows than the dataset's `minRows` would reach silver. */
async function checkRowGate(engine: Engine, dataset: Dataset, fileName: string, silver: number): Promise<void> {
  if (silver >= dataset.minRows) return;
  const [{ rejected }] = await engine.rows<{ rejected: bigint }>(`SELECT count(*) AS rejected FROM rejected`);
  throw new QualityGateError(
    `${fileName}: ${silver} rows would reach silver, fewer than minRows ${dataset.minRows} of dataset ${dataset.name}; nothing was published` +
      (rejected > 0n ? `. Top reasons: ${await topReasons(engine)}` : ""),
  );
}

/** The most frequent rejection reasons, each with its count and its first row. */
async function topReasons(engine: Engine): Promise<string> {
  const rows = await engine.rows<{ rule: string; col: string | null; n: bigint; row: bigint; reason: string; record: string }>(
    `SELECT _rule AS rule, _column AS col, count(*) AS n, min(_row_number) AS row,
            arg_min(_reason, _row_number) AS reason, left(arg_min(_record, _row_number), 300) AS record
     FROM rejected GROUP BY ALL ORDER BY n DESC, row LIMIT ${TOP_REASONS}`,
  );
  return rows
    .map((r) => `${r.rule}${r.col ? ` on ${r.col}` : ""}: ${Number(r.n)} rows (first at row ${Number(r.row)}: ${r.reason}; row ${r.record})`)
    .join(" | ");
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Writes the rejected rows with rule, column, original value and reason; returns their count. */
async function writeQuarantine(engine: Engine, ctx: SilverContext, file: string): Promise<number> {
  const [{ n }] = await engine.rows<{ n: bigint }>(`SELECT count(*) AS n FROM rejected`);
  if (n === 0n) return 0;
  mkdirSync(dirname(file), { recursive: true });
  const params = new Params();
  await engine.run(
    `COPY (
       SELECT *, ${params.add(ctx.sourceKey)} AS _source_key, ${params.add(ctx.jobId)} AS _job_id,
              CAST(${params.add(ctx.processedAt)} AS TIMESTAMPTZ) AS _processed_at
       FROM rejected ORDER BY _row_number
     ) TO ${quoteLiteral(file)} (${PARQUET_FORMAT})`,
    params.values,
  );
  return Number(n);
}

/** The positions of kept rows whose dedup key an earlier kept row holds: the duplicates (`dedup`). */
const REPEATS_TABLE = "repeats";

/**
 * Finds the duplicates, the first occurrence in the file winning, as `REPEATS_TABLE`: the keys
 * held more than once by a hash aggregate, then their later rows by a join against those few
 * keys. Most rows are no one's duplicate: a window ranking every row sorted the whole table
 * (5M rows: 2.3-2.8 s, this 2.0-2.4 s), and the copy of the rows to write it made cost more
 * (dedup and write 11.5-12.3 s with a copy, 9.2-10.3 s reading `classified` in the write).
 */
async function dedup(engine: Engine, dataset: Dataset, plans: readonly Plan[]): Promise<void> {
  const params = new Params();
  const names = dataset.dedupKeys ?? plans.map((p) => p.col.name);
  const keys = names.map(quoteIdent);
  const filled = plans.filter((p) => names.includes(p.col.name)).map((p) => filledValue(dataset, p, params));
  // A row whose declared key is NULL has no identity to share: it is never anyone's duplicate.
  const keyed = dataset.dedupKeys ? keys.map((k) => `${k} IS NOT NULL`).join(" AND ") : "TRUE";
  // Without declared keys every column is the key, and two NULLs in one column are the same value.
  const same = keys.map((k) => `kept.${k} IS NOT DISTINCT FROM repeated.${k}`).join(" AND ");
  await engine.run(
    `CREATE TABLE ${REPEATS_TABLE} AS
     WITH kept AS (SELECT __row, ${filled.join(", ")} FROM classified WHERE __fate = 'kept'),
          repeated AS (SELECT ${keys.join(", ")}, min(__row) AS __first FROM kept WHERE ${keyed} GROUP BY ALL HAVING count(*) > 1)
     SELECT kept.__row FROM kept JOIN repeated ON ${same} WHERE kept.__row > repeated.__first`,
    params.values,
  );
}

/** A column's value with its fill policy applied (`nulls: { fill }`). */
function filledValue(dataset: Dataset, plan: Plan, params: Params): string {
  const q = quoteIdent(plan.col.name);
  const policy = dataset.columns[plan.col.name]?.nulls;
  return typeof policy === "object" ? `COALESCE(${q}, CAST(${params.add(policy.fill)} AS ${plan.col.type})) AS ${q}` : q;
}

/**
 * The rows silver gets, as a subquery: the kept rows but the duplicates, fills applied, read
 * from `classified` by each statement that needs them rather than stored (`dedup` says why).
 */
function silverRows(dataset: Dataset, plans: readonly Plan[], params: Params): string {
  const values = plans.map((p) => filledValue(dataset, p, params));
  return `(SELECT ${values.join(", ")} FROM classified ANTI JOIN ${REPEATS_TABLE} USING (__row) WHERE __fate = 'kept')`;
}

/** The event-time range of a dataset: `to` defaults to a year after the job's date. */
function eventTimeRange(dataset: Dataset, ingestDate: string): { from: string; to: string } {
  const later = new Date(`${ingestDate}T00:00:00Z`);
  later.setUTCFullYear(later.getUTCFullYear() + 1);
  return { from: dataset.eventTimeRange.from, to: dataset.eventTimeRange.to ?? later.toISOString().slice(0, 10) };
}

/**
 * The partition of each row at the dataset's grain: `year`, `month`, `day` or a prefix of them,
 * zero-padded strings, from the event date (the ingest date when it has none).
 */
function partitionColumns(dataset: Dataset, ingest: string): { day: string; exprs: string[]; names: string[] } {
  const day = dataset.eventTime ? `COALESCE(CAST(${quoteIdent(dataset.eventTime)} AS DATE), ${ingest})` : ingest;
  const depth = { year: 1, month: 2, day: 3 }[dataset.partition];
  const names = PARTITION_COLUMNS.slice(0, depth);
  const formats = { year: "%Y", month: "%m", day: "%d" } as const;
  return { day, names: [...names], exprs: names.map((n) => `strftime(${day}, '${formats[n]}')`) };
}

/**
 * Fails a file whose rows fall into more partitions than its dataset allows, before anything is
 * written: each partition is a file here and a gold recomputation after, so 70,000 day
 * partitions would run for hours or out of memory.
 */
async function checkPartitionCount(engine: Engine, dataset: Dataset, plans: readonly Plan[], ctx: SilverContext): Promise<void> {
  const params = new Params();
  const { day } = partitionColumns(dataset, `CAST(${params.add(ctx.ingestDate)} AS DATE)`);
  // The partition as the date its grain truncates to: the same count as the paths, without formatting 3 strings a row.
  const [{ n }] = await engine.rows<{ n: bigint }>(
    `SELECT count(DISTINCT date_trunc(${params.add(dataset.partition)}, ${day})) AS n FROM ${silverRows(dataset, plans, params)}`,
    params.values,
  );
  if (Number(n) <= dataset.maxPartitions) return;
  const coarser = dataset.partition === "day" ? ' (try partition: "month")' : dataset.partition === "month" ? ' (try partition: "year")' : "";
  throw new TooManyPartitionsError(
    `${ctx.fileName}: its rows fall into ${Number(n)} ${dataset.partition} partitions, more than maxPartitions ${dataset.maxPartitions} of dataset ${dataset.name}${coarser}; ` +
      "or narrow eventTimeRange",
  );
}

/** Writes the kept first occurrences with derived columns, one Parquet file per partition; returns the rows written. */
async function writeSilver(engine: Engine, dataset: Dataset, plans: readonly Plan[], ctx: SilverContext, dir: string): Promise<number> {
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
  const { day, exprs, names } = partitionColumns(dataset, ingest);
  const partitions = exprs.map((e, i) => `${e} AS ${names[i]}`);
  // Rows grouped by day before the partitioned writer (about twice as fast, and smaller files);
  // hashed after the sort, which then moves less (8.8 s instead of 11.4 s at 5M rows).
  const [{ Count }] = await engine.rows<{ Count: bigint }>(
    `COPY (
       SELECT ${business.join(", ")}, ${rowHash} AS _row_hash,
              ${params.add(ctx.sourceKey)} AS _source_key, ${params.add(ctx.jobId)} AS _job_id,
              CAST(${params.add(ctx.processedAt)} AS TIMESTAMPTZ) AS _processed_at,
              ${names.join(", ")}
       FROM (SELECT ${business.join(", ")}, ${partitions.join(", ")} FROM ${silverRows(dataset, plans, params)} ORDER BY ${day})
     ) TO ${quoteLiteral(dir)} (${PARQUET_FORMAT}, PARTITION_BY (${names.join(", ")}),
        FILENAME_PATTERN ${quoteLiteral(`${ctx.sourceId}_{i}`)}, OVERWRITE_OR_IGNORE true)`,
    params.values,
  );
  return Number(Count);
}
