import type { GoldModel, Grain } from "../config/goldModel.ts";
import { datePartition } from "../lake/layout.ts";

const DEPTH: Record<Grain, number> = { year: 1, month: 2, day: 3 };

/**
 * The gold partition a silver day partition falls into at a grain:
 * `year=2024/month=03/day=05` → `year=2024/month=03` for a monthly model, `year=2024` for a yearly one.
 */
export function goldPartition(grain: Grain, dayPartition: string): string {
  const parts = dayPartition.split("/");
  if (parts.length !== 3 || !/^year=\d{4}$/.test(parts[0]) || !/^month=\d{2}$/.test(parts[1]) || !/^day=\d{2}$/.test(parts[2])) {
    throw new Error(`Not a day partition: ${dayPartition}`);
  }
  return parts.slice(0, DEPTH[grain]).join("/");
}

/** One gold partition to recompute: the models of its grain, and the silver prefix (below the dataset's) holding all its rows. */
export type GoldWork = { partition: string; silverPrefix: string; models: GoldModel[] };

/**
 * What a job that changed some silver day partitions must recompute: for each grain in use,
 * every gold partition those days fall into (each once), from all the silver rows under it,
 * every source and not only the job's. A monthly model touched by two days of one month is
 * computed once, from the whole month.
 */
export function goldWork(models: readonly GoldModel[], dayPartitions: readonly string[]): GoldWork[] {
  const work = new Map<string, GoldWork>();
  for (const model of models) {
    for (const day of dayPartitions) {
      const partition = goldPartition(model.grain, day);
      const unit = work.get(partition) ?? { partition, silverPrefix: `${partition}/`, models: [] };
      if (!unit.models.includes(model)) unit.models.push(model);
      work.set(partition, unit);
    }
  }
  return [...work.values()].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
}

/**
 * Every day partition a gold partition's silver prefix may hold, whether or not it has files yet:
 * `year=2024/month=02` → the 29 days of February 2024; a day partition → itself.
 */
export function daysUnder(partition: string): string[] {
  const [y, m, d] = partition.split("/").map((part) => Number(part.split("=")[1]));
  if (d) return [partition];
  const days: string[] = [];
  for (let t = Date.UTC(y, m ? m - 1 : 0, 1); ; t += 86_400_000) {
    const date = new Date(t);
    if (date.getUTCFullYear() !== y || (m && date.getUTCMonth() !== m - 1)) return days;
    days.push(datePartition(date, 3));
  }
}
