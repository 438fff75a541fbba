import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { etl } from "./etl.ts";

const tmp = mkdtempSync(join(tmpdir(), "etl-conv-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const unused = join(tmp, "never-created");

describe("etl CLI conventions", () => {
  it("--version prints the package version; bare etl and help list the commands", () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8"));
    expect(etl(["--version"])).toMatchObject({ code: 0, stdout: `etl ${version}\n` });
    const bare = etl([]);
    expect(bare.code).toBe(0);
    for (const name of ["run", "redrive", "jobs"]) expect(bare.stdout).toContain(name);
    const help = etl(["help", "run"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--concurrency");
    expect(help.stdout).toContain("$ etl run samples/sales.csv");
    expect(etl(["redrive", "--help"]).stdout).toContain("$ etl redrive");
  });

  it("suggests the command or option meant, in a short usage error with exit 2", () => {
    const command = etl(["rn", "samples/sales.csv"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("(Did you mean run?)");
    expect(etl(["help", "rn"]).stderr).toContain("(Did you mean run?)");
    const option = etl(["run", "samples/sales.csv", "--jsn", "--state-dir", unused]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--jsn'");
    expect(option.stderr).toContain("(Did you mean --json?)");
    expect(option.stderr).toContain("see etl run --help");
    expect(option.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
    expect(option.stdout).toBe("");
  });

  it("names a directory given as a file, and a bad option value, with exit 2 and no stack trace", () => {
    const dir = etl(["run", "samples", "--state-dir", unused]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain("samples is a directory, not a file");
    expect(dir.stderr).toContain("see etl run --help");
    expect(dir.stderr).not.toMatch(/\n\s+at /);
    expect(etl(["run", "samples/sales.csv", "--concurrency", "zero", "--state-dir", unused]).code).toBe(2);
    expect(etl(["run", "samples/sales.csv", "--dataset", "nosuch", "--state-dir", unused]).stderr).toContain("the datasets are: sales");
    expect(etl(["jobs", "--status", "DONE", "--state-dir", unused]).code).toBe(2);
  });

  it("a config mistake exits 2 naming the field, with the stack only under --verbose", () => {
    const config = join(tmp, "bad.config.ts");
    writeFileSync(
      config,
      `export default { datasets: [{ name: "s", match: ["*.csv"], columns: { qty: { type: "integr" } } }] };\n`,
    );
    const bad = etl(["run", "samples/sales.csv", "--config", config, "--state-dir", unused]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("datasets.0.columns.qty.type");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(etl(["run", "samples/sales.csv", "--config", config, "--state-dir", unused, "--verbose"]).stderr).toMatch(/\n\s+at /);
    mkdirSync(join(tmp, "conf.d"));
    expect(etl(["run", "samples/sales.csv", "--config", join(tmp, "conf.d"), "--state-dir", unused]).stderr).toContain("is a directory, not a config file");
  });

  it("refuses keys that would name a folder or leave incoming/, and a malformed ETL_FAULT", () => {
    for (const key of ["incoming/", "incoming/a/", "incoming//a.csv", "incoming/../x.csv", "elsewhere/x.csv", "incoming/a\u0001.csv"]) {
      const out = etl(["run", "samples/sales.csv", "--key", key, "--state-dir", unused]);
      expect(out.code, key).toBe(2);
    }
    const fault = etl(["run", "samples/sales.csv", "--state-dir", unused], { env: { ETL_FAULT: "kill:cleen" } });
    expect(fault.code).toBe(2);
    expect(fault.stderr).toContain('no step "cleen"');
    expect(() => readFileSync(unused)).toThrow();
  });
});
