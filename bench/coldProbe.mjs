// Runs in a fresh Node process: loads one function bundle as Lambda's runtime would, then opens
// the first DuckDB instance if the function uses DuckDB, and prints the times as JSON.
import { pathToFileURL } from "node:url";

const [bundle, usesDuckdb] = process.argv.slice(2);
const start = performance.now();
const cpuStart = process.cpuUsage();
await import(pathToFileURL(bundle).href);
const loaded = performance.now();
// CPU time, unlike wall time, hardly changes with what else the machine runs.
const cpu = process.cpuUsage(cpuStart);
if (usesDuckdb === "duckdb") {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("SELECT 1");
  connection.closeSync();
  instance.closeSync();
}
const opened = performance.now();
console.log(JSON.stringify({ loadMs: loaded - start, loadCpuMs: (cpu.user + cpu.system) / 1000, duckdbMs: opened - loaded, rssMb: process.memoryUsage().rss / 2 ** 20 }));
