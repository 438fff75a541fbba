import { defineConfig } from "vitest/config";

/**
 * Public-data cases that take longer than the suite can afford on every run (vega-datasets through
 * the whole local pipeline, the 3M-row flights Parquet among them): `npm run test:public`, which
 * CI runs too. `npm test` runs the rest but the slow suites below.
 */
const PUBLIC_DATA = ["test/public/vega*.test.ts"];

/**
 * Suites that each take a minute or more on 2 cores: every IAM grant taken away in turn, a kill
 * and redrive at every step (and in a retract's erasure), state-dir locking between processes, 20
 * concurrent executions, etl compact answering every query alike (a process per query), etl replay
 * and retract end to end, a backfill of 200 files, the commands against a stage, a widening
 * under --concurrency. `npm run test:slow`, which CI runs too.
 */
const SLOW = [
  "test/integration/iam.test.ts",
  "test/cli/redrive.test.ts",
  "test/cli/retractKill.test.ts",
  "test/cli/stateDir.test.ts",
  "test/integration/concurrency.test.ts",
  "test/cli/compact.test.ts",
  "test/cli/replay.test.ts",
  "test/cli/backfill.test.ts",
  "test/cli/stage.test.ts",
  "test/cli/widening.test.ts",
];

export default defineConfig({
  test: {
    // Integration tests start emulators and DuckDB per file; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: { ETL_LOG_LEVEL: "error" },
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"], exclude: [...PUBLIC_DATA, ...SLOW] } },
      { extends: true, test: { name: "slow", include: SLOW } },
      { extends: true, test: { name: "public", include: PUBLIC_DATA } },
    ],
  },
});
