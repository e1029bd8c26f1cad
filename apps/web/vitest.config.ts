import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["src/**/*.test.ts"], environment: "node" } },
      {
        test: {
          name: "browser",
          include: ["e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          // Each file's beforeAll seeds through the production writers: ~250 statements a run, each a round trip on
          // PostgreSQL (TALLY_TEST_ENGINE=postgres), in-process on SQLite.
          hookTimeout: process.env.TALLY_TEST_ENGINE === "postgres" ? 900_000 : 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
