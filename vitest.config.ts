import { defineConfig } from "vitest/config";

/**
 * Public-data cases that take longer than the suite can afford on every run (vega-datasets through
 * the whole local pipeline, the 3M-row flights Parquet among them): `npm run test:public`, which
 * CI runs too. `npm test` runs the rest.
 */
const PUBLIC_DATA = ["test/public/vega*.test.ts"];

export default defineConfig({
  test: {
    // Integration tests start emulators and DuckDB per file; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: { ETL_LOG_LEVEL: "error" },
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"], exclude: PUBLIC_DATA } },
      { extends: true, test: { name: "public", include: PUBLIC_DATA } },
    ],
  },
});
