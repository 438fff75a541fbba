import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build, type BuildOptions } from "esbuild";
import { FUNCTION_SIZING } from "../stacks/functionSizing.ts";
import { FUNCTION_NAMES, HANDLERS, type FunctionName } from "../stacks/handlers.ts";
import { measuredRun } from "./measuredRun.ts";
import { median } from "./table.ts";

/** One function's cold start: its bundle and, as medians, the fresh process's times. */
export type ColdStart = {
  name: FunctionName;
  bundleKb: number;
  duckdb: boolean;
  processMs: number;
  loadMs: number;
  /** CPU time of the module load: what the load costs, whatever else the machine runs. */
  loadCpuMs: number;
  duckdbMs: number;
  rssMb: number;
};

/**
 * A function's bundle as SST deploys it: esbuild, ESM for Node 22, minified, `require` shimmed
 * as SST's banner does, DuckDB external where the function installs it.
 */
export function deployedBundle(root: string, name: FunctionName): BuildOptions {
  return {
    entryPoints: [join(root, `${HANDLERS[name].slice(0, HANDLERS[name].lastIndexOf("."))}.ts`)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    mainFields: ["module", "main"],
    banner: { js: `import { createRequire as topLevelCreateRequire } from "module"; const require = topLevelCreateRequire(import.meta.url);` },
    external: FUNCTION_SIZING[name].duckdb ? ["@duckdb/node-api"] : [],
  };
}

/**
 * Bundles each function as SST deploys it (`deployedBundle`) and starts each bundle
 * in fresh Node processes, alternating functions between repetitions: module load, then the
 * first DuckDB instance and query. Lambda's own init (runtime, network) is not in it.
 */
export async function coldStarts(root: string, reps: number): Promise<ColdStart[]> {
  const outDir = join(root, "node_modules", ".cache", "etl-bench");
  mkdirSync(outDir, { recursive: true });
  const bundles = await Promise.all(
    FUNCTION_NAMES.map(async (name) => {
      const { duckdb } = FUNCTION_SIZING[name];
      const outfile = join(outDir, `${name}.mjs`);
      await build({ ...deployedBundle(root, name), outfile, logLevel: "silent" });
      return { name, duckdb, outfile, bundleKb: statSync(outfile).size / 1024 };
    }),
  );
  const times = new Map<FunctionName, Omit<ColdStart, "name" | "bundleKb" | "duckdb">[]>();
  for (let rep = 0; rep < reps; rep++) {
    for (const b of bundles) {
      const run = await measuredRun(process.execPath, [join(root, "bench", "coldProbe.mjs"), b.outfile, b.duckdb ? "duckdb" : ""], { cwd: root });
      const line = run.lines.find((l) => l.stream === "stdout" && l.text.startsWith("{"));
      if (run.code !== 0 || !line) throw new Error(`cold start of ${b.name} failed:\n${run.lines.map((l) => l.text).join("\n")}`);
      times.set(b.name, [...(times.get(b.name) ?? []), { processMs: run.seconds * 1000, ...JSON.parse(line.text) }]);
    }
  }
  return bundles.map((b) => {
    const t = times.get(b.name)!;
    return {
      name: b.name,
      bundleKb: b.bundleKb,
      duckdb: b.duckdb,
      processMs: median(t.map((x) => x.processMs)),
      loadMs: median(t.map((x) => x.loadMs)),
      loadCpuMs: median(t.map((x) => x.loadCpuMs)),
      duckdbMs: median(t.map((x) => x.duckdbMs)),
      rssMb: median(t.map((x) => x.rssMb)),
    };
  });
}
