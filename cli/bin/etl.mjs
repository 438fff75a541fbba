#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --disable-warning=ExperimentalWarning
// MALLOC_ARENA_MAX: few malloc arenas keep DuckDB's memory outside its limit bounded (core/engine/engineLimits.ts).
// The CLI is TypeScript run as is by Node's own type stripping: no build step and no loader
// hooks, which cost 0.3 s of every start-up when tsx compiled it (docs/bench.md, round 8).
import module from "node:module";
import { typescriptProblem } from "./typescriptSupport.mjs";

const problem = typescriptProblem(process.versions.node, process.features);
if (problem) {
  console.error(problem);
  process.exit(1);
}
// V8's code for every module, kept between runs in the OS temp folder (NODE_COMPILE_CACHE moves
// it, NODE_DISABLE_COMPILE_CACHE=1 turns it off): loading the CLI, the runtime and the handlers
// took 620-880 ms without, 530-750 ms with (8 alternated runs; median 740 → 600 ms).
module.enableCompileCache?.();
// A reader that closes the pipe early (`etl jobs | head -1`) is not an error of etl's.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
});
const { main } = await import("../main.ts");
process.exitCode = await main(process.argv.slice(2));
