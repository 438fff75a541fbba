// Runs in a fresh Node process: loads one function bundle as Lambda's runtime would, then opens
// the first DuckDB instance if the function uses DuckDB, and prints the times as JSON.
import { pathToFileURL } from "node:url";

const [bundle, usesDuckdb] = process.argv.slice(2);
const start = performance.now();
await import(pathToFileURL(bundle).href);
const loaded = performance.now();
if (usesDuckdb === "duckdb") {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("SELECT 1");
  connection.closeSync();
  instance.closeSync();
}
const opened = performance.now();
console.log(JSON.stringify({ loadMs: loaded - start, duckdbMs: opened - loaded, rssMb: process.memoryUsage().rss / 2 ** 20 }));
