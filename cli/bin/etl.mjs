#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// The CLI is TypeScript run as is: tsx compiles it on the fly, so there is no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../main.ts");
process.exitCode = await main(process.argv.slice(2));
