import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../core/settings.ts";
import { STEPS } from "../../core/steps.ts";
import { functionEnvironment } from "../../stacks/functionEnvironment.ts";
import { FUNCTION_SIZING } from "../../stacks/functionSizing.ts";
import { FUNCTION_NAMES, HANDLERS } from "../../stacks/handlers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** SST's handler notation: `<path without extension>.<export>`. */
function parseHandler(handler: string) {
  const dot = handler.lastIndexOf(".");
  return { file: `${handler.slice(0, dot)}.ts`, exportName: handler.slice(dot + 1) };
}

/**
 * Bundles a handler the way SST does for deploy (esbuild, ESM, the `install` packages external,
 * no `.node` loader), so what fails here fails `sst deploy` too.
 */
async function bundle(file: string, external: string[]) {
  const result = await build({
    entryPoints: [`${ROOT}${file}`],
    bundle: true,
    platform: "node",
    format: "esm",
    external,
    metafile: true,
    write: false,
    outfile: "out.mjs",
    logLevel: "silent",
  });
  const [output] = Object.values(result.metafile.outputs);
  const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
  return { exports: output.exports, externalImports: new Set(imports) };
}

describe("HANDLERS", () => {
  it("names one function per step, in order, plus fail and the scheduled sweep", () => {
    expect(FUNCTION_NAMES).toEqual([...STEPS, "fail", "sweep"]);
  });

  it.each(FUNCTION_NAMES)("points %s at a file under functions/", (name) => {
    const { file } = parseHandler(HANDLERS[name]);
    expect(file.startsWith("functions/")).toBe(true);
    expect(existsSync(`${ROOT}${file}`), file).toBe(true);
  });

  it.each(FUNCTION_NAMES)(
    "bundles %s as SST will, exporting its handler, with DuckDB installed exactly when it imports it",
    async (name) => {
      const { file, exportName } = parseHandler(HANDLERS[name]);
      const duckdb = FUNCTION_SIZING[name].duckdb;
      const { exports, externalImports } = await bundle(file, duckdb ? ["@duckdb/node-api"] : []);
      expect(exports).toContain(exportName);
      expect(externalImports.has("@duckdb/node-api")).toBe(duckdb);
    },
    30_000,
  );
});

describe("functionEnvironment", () => {
  it("is an environment core/settings.ts accepts", () => {
    const env = functionEnvironment({
      rawBucket: "etl-raw",
      lakeBucket: "etl-lake",
      jobsTable: "etl-jobs",
      outputsTable: "etl-outputs",
      alertsTopicArn: "arn:aws:sns:eu-west-1:111122223333:etl-alerts",
      glueDatabase: "medallion_etl_dev",
      stage: "prod",
    });
    expect(loadSettings(env)).toMatchObject({
      ETL_RAW_BUCKET: "etl-raw",
      ETL_LAKE_BUCKET: "etl-lake",
      ETL_JOBS_TABLE: "etl-jobs",
      ETL_ALERTS_TOPIC_ARN: "arn:aws:sns:eu-west-1:111122223333:etl-alerts",
      ETL_GLUE_DATABASE: "medallion_etl_dev",
      ETL_STAGE: "prod",
    });
  });
});
