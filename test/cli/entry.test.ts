import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { typescriptProblem } from "../../cli/bin/typescriptSupport.mjs";
import { ETL_ENTRY } from "./etl.ts";

describe("the etl entry point", () => {
  it("says in one line why a Node with type stripping turned off cannot run it, and exits 1", () => {
    const out = spawnSync(process.execPath, ["--no-experimental-strip-types", ETL_ENTRY, "--help"], { encoding: "utf8" });
    expect(out.status).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr.trim()).toBe(
      `etl runs its TypeScript with Node's type stripping, which is off in this Node ${process.versions.node} (--no-experimental-strip-types, in NODE_OPTIONS or on the command line); run it without that flag.`,
    );
  });

  it("tells a Node too old to strip types apart from one where it was turned off", () => {
    for (const old of ["20.20.2", "22.17.1", "23.5.0"]) {
      expect(typescriptProblem(old, {})).toBe(
        `etl needs Node 22.18 or newer to run TypeScript (this is Node ${old}); npx etl uses the Node the project installs.`,
      );
    }
    for (const recent of ["22.18.0", "23.6.0", "24.1.0"]) {
      expect(typescriptProblem(recent, {})).toMatch(/type stripping, which is off in this Node/);
      expect(typescriptProblem(recent, { typescript: "strip" })).toBeUndefined();
    }
  });

  it("exits quietly when its reader closes the pipe early (etl … | head -1)", async () => {
    const child = spawn(process.execPath, [ETL_ENTRY, "--help"], { env: { ...process.env, NO_COLOR: "1" } });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
