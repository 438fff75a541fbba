import { basename, join } from "node:path";
import type { GoldModel } from "../config/goldModel.ts";
import { Engine, type EngineOptions } from "../engine/engine.ts";
import type { ObjectStore } from "../io/objectStore.ts";
import { withScratch } from "../io/scratch.ts";
import { lake } from "../lake/layout.ts";
import type { AggregateManifest } from "../pointers.ts";
import { buildGold } from "./buildGold.ts";
import { goldWork } from "./goldPartitions.ts";

/** Where and how gold partitions are computed. */
export type StageInput = {
  store: ObjectStore;
  lakeBucket: string;
  scratchDir: string;
  engine: (scratchDir: string) => EngineOptions;
  jobId: string;
  dataset: string;
  models: readonly GoldModel[];
  partitions: readonly string[];
};

/**
 * Recomputes every model for each gold partition its grain (day, month, year) gives the job's day
 * partitions, from all the silver files of that partition (not only one job's), one partition on
 * disk at a time, and stages each result for publishing. A
 * partition left without silver rows (a re-upload moved them) is listed with no staged object:
 * its gold goes too.
 */
export async function stagePartitions(input: StageInput): Promise<AggregateManifest> {
  const manifest: AggregateManifest = { jobId: input.jobId, gold: [] };
  if (!input.models.length) return manifest;
  for (const { partition, silverPrefix, models } of goldWork(input.models, input.partitions)) {
    await withScratch(input.scratchDir, `${input.jobId}-aggregate`, async (dir) => {
      const keys = await input.store.list(input.lakeBucket, `${lake.silverPrefix(input.dataset)}${silverPrefix}`);
      const files: string[] = [];
      for (const [i, key] of keys.filter((k) => k.endsWith(".parquet")).entries()) {
        const file = join(dir, "silver", `${i}-${basename(key)}`);
        await input.store.download({ bucket: input.lakeBucket, key }, file);
        files.push(file);
      }
      if (!files.length) {
        for (const model of models) manifest.gold.push({ model: model.name, partition, rows: 0 });
        return;
      }
      const engine = await Engine.open(input.engine(dir));
      try {
        for (const model of models) {
          const out = join(dir, "gold", model.name, "part.parquet");
          const rows = await buildGold(engine, model, files, out);
          const staged = lake.staging(input.jobId, model.name, partition);
          await input.store.upload(out, { bucket: input.lakeBucket, key: staged });
          manifest.gold.push({ model: model.name, partition, staged, rows });
        }
      } finally {
        engine.close();
      }
    });
  }
  return manifest;
}
