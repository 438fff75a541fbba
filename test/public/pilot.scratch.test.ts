import { afterAll, beforeAll, it } from "vitest";
import { readdirSync } from "node:fs";
import { readJob, startPipeline, type TestPipeline } from "../helpers/pipeline.ts";
import { jobIdFor } from "../../core/job/jobId.ts";
import { sourceFromEvent } from "../../core/events/objectCreated.ts";
import { defineConfig } from "../../core/config/defineConfig.ts";

const DIR = "node_modules/vega-datasets/data";
let p: TestPipeline;
beforeAll(async () => { p = await startPipeline({ config: defineConfig({ datasets: [] }) }); });
afterAll(() => p.stop());
const only = process.env.PILOT ? new RegExp(process.env.PILOT) : /./;
it("pilot", async () => {
  for (const f of readdirSync(DIR).sort().filter((f) => only.test(f))) {
    const t = Date.now();
    const stem = f.replace(/\..*$/, "").replace(/[^a-z0-9]+/gi, "_").toLowerCase();
    const event = await p.runtime.upload(`${DIR}/${f}`, `incoming/public/${f}`, `vega_${stem}`);
    const out = await p.runtime.execute(event);
    const job = await readJob(jobIdFor(sourceFromEvent(event)));
    console.log(JSON.stringify({ f, ms: Date.now() - t, status: out.status, job: job?.status, stats: job?.stats, err: job?.error, cols: job?.columns?.map((c: any) => `${c.name}:${c.type}`).join(",") }));
  }
}, 600_000);
