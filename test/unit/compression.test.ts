import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileTooLargeError } from "../../core/errors.ts";
import { gunzipFile, inflateHead } from "../../core/format/compression.ts";
import { sniffFormat } from "../../core/format/sniffFormat.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "compression-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A real-looking, highly repetitive CSV: a sensor log of about 11 MB. */
function sensorLog(): string {
  const lines = ["timestamp,sensor,status,value"];
  for (let i = 0; i < 300_000; i++) lines.push(`2024-01-01T00:00:00Z,sensor-0001,OK,${i % 2}`);
  return `${lines.join("\n")}\n`;
}

describe("gzip", () => {
  it("sniffs and decompresses a valid, highly compressible gzip (11 MB CSV in under 100 KB)", async () => {
    const text = sensorLog();
    const gz = gzipSync(text, { level: 9 });
    expect(text.length).toBeGreaterThan(11_000_000);
    expect(gz.length).toBeLessThan(100_000);
    // The 64 KB head extract reads: it used to fail with "Cannot create a Buffer larger than 327680 bytes".
    const head = inflateHead(gz.subarray(0, 65_536), "log.csv.gz");
    expect(Buffer.from(head).toString("utf8").startsWith("timestamp,sensor,status,value\n")).toBe(true);
    expect(sniffFormat(head, "log.csv.gz")).toBe("csv");

    const path = join(dir, "log.csv.gz");
    writeFileSync(path, gz);
    await gunzipFile(path, join(dir, "log.csv"), "log.csv.gz", 50_000_000);
    expect(readFileSync(join(dir, "log.csv"), "utf8")).toBe(text);
  });

  it("still stops a gzip bomb at the decompressed-size cap", async () => {
    const path = join(dir, "bomb.gz");
    writeFileSync(path, gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }));
    expect(statSync(path).size).toBeLessThan(200_000);
    const error = await gunzipFile(path, join(dir, "bomb"), "bomb.gz", 8 * 1024 * 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect(statSync(join(dir, "bomb")).size).toBeLessThanOrEqual(8 * 1024 * 1024 + (1 << 16));
  });
});
