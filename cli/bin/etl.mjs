#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --disable-warning=ExperimentalWarning
// MALLOC_ARENA_MAX: few malloc arenas keep DuckDB's memory outside its limit bounded (core/engine/engineLimits.ts).
// The CLI is TypeScript run as is: tsx compiles it on the fly, so there is no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../main.ts");
process.exitCode = await main(process.argv.slice(2));
