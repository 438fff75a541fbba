import { join } from "node:path";
import type { Dataset } from "../config/dataset.ts";
import type { Engine } from "../engine/engine.ts";
import type { DataFormat } from "../format/sniffFormat.ts";
import { toUtf8 } from "../format/encoding.ts";
import { RowCountMismatchError } from "../errors.ts";
import { unaccountedRows, EMPTY_STATS } from "../job/stats.ts";
import { buildSilver, type SilverContext, type SilverResult } from "./buildSilver.ts";
import { detectDecimalComma } from "./detectDecimalComma.ts";
import { loadSource, SOURCE_TABLE, type CsvDialect } from "./loadSource.ts";
import type { SchemaDocument } from "../schema/schemaDocument.ts";
import type { SkippedLine } from "../format/splitCsv.ts";

/** What clean learned about the file besides its rows: its encoding and, for CSV, its dialect. */
export type CleanResult = SilverResult & {
  encoding?: string;
  dialect?: CsvDialect;
  /** Lines that are not data (preamble, blank and comment lines), and the first few of them. */
  skippedLines?: number;
  firstSkipped?: SkippedLine[];
  /** Invalid UTF-8 sequences the file held (each became U+FFFD; under `invalidBytes: "quarantine"` their CSV rows are quarantined). */
  invalidSequences?: number;
};

/**
 * Bronze file → silver and quarantine Parquet on local disk, with the row accounting asserted:
 * a job whose counts do not add up fails rather than lose rows silently.
 */
export async function cleanFile(
  engine: Engine,
  input: {
    path: string;
    format: DataFormat;
    dataset: Dataset;
    ctx: SilverContext;
    outDir: string;
    /** The dataset's stored schema, which the file is read against (none: the file founds it). */
    schema?: SchemaDocument;
  },
): Promise<CleanResult> {
  const { dataset, ctx } = input;
  const text = input.format === "parquet" ? undefined : await toUtf8(input.path, ctx.fileName, dataset.encoding);
  const source = await loadSource(engine, {
    path: text?.path ?? input.path,
    format: input.format,
    fileName: ctx.fileName,
    nullValues: dataset.nullValues,
    csv: dataset.csv,
    explode: dataset.json.explode,
    workDir: join(input.outDir, "read"),
    damaged: Boolean(text?.invalidSequences) && dataset.invalidBytes === "quarantine",
  });
  // Semicolon-separated files often come from locales that write decimal commas; the values decide.
  const { columns, dialect, rows } = source;
  const decimalComma =
    dataset.csv.decimalComma ?? (dialect?.delimiter === ";" && (await detectDecimalComma(engine, SOURCE_TABLE, columns)));
  const result = await buildSilver(engine, dataset, source, ctx, input.outDir, { decimalComma }, input.schema);
  // Checked against the count taken while reading, not against the chain's own tables.
  const missing = unaccountedRows({ ...EMPTY_STATS, ...result.stats, inputRows: rows });
  if (missing !== 0 || result.stats.inputRows !== rows) {
    throw new RowCountMismatchError(
      `${ctx.fileName}: ${missing} of ${rows} rows read are not accounted for (${JSON.stringify(result.stats)})`,
    );
  }
  return {
    ...result,
    encoding: text?.encoding,
    dialect,
    ...(text?.invalidSequences ? { invalidSequences: text.invalidSequences } : {}),
    ...(source.skippedLines ? { skippedLines: source.skippedLines, firstSkipped: source.firstSkipped } : {}),
  };
}
