#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --disable-warning=ExperimentalWarning
// MALLOC_ARENA_MAX: few malloc arenas keep DuckDB's memory outside its limit bounded (core/engine/engineLimits.ts).
// The CLI is TypeScript run as is by Node's own type stripping: no build step and no loader
// hooks, which cost 0.3 s of every start-up when tsx compiled it (docs/bench.md, round 8).
import { typescriptProblem } from "./typescriptSupport.mjs";

const problem = typescriptProblem(process.versions.node, process.features);
if (problem) {
  console.error(problem);
  process.exit(1);
}
// A reader that closes the pipe early (`etl jobs | head -1`) is not an error of etl's.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
});
const { main } = await import("../main.ts");
process.exitCode = await main(process.argv.slice(2));
