#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --disable-warning=ExperimentalWarning
// MALLOC_ARENA_MAX: few malloc arenas keep DuckDB's memory outside its limit bounded (core/engine/engineLimits.ts).
// The CLI is TypeScript run as is by Node's own type stripping: no build step and no loader
// hooks, which cost 0.3 s of every start-up when tsx compiled it (docs/bench.md, round 8).
if (!process.features.typescript) {
  console.error(`etl needs Node 22.18 or newer to run TypeScript (this is Node ${process.versions.node}); npx etl uses the Node the project installs.`);
  process.exit(1);
}
const { main } = await import("../main.ts");
process.exitCode = await main(process.argv.slice(2));
