/**
 * The local S3 server alone in a process, so a test can measure its memory apart from the
 * client's: prints its URL, then answers each `rss` line on stdin with its current and peak RSS.
 */
import { createInterface } from "node:readline";
import { startS3Server } from "../../local/s3/server.ts";

const server = await startS3Server({ root: process.argv[2], lakeDir: process.argv[3] });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "rss") process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
}
await server.stop();
