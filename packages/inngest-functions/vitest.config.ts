import { defineConfig } from "vitest/config";

// The recording tests write thousands of transactions; on PostgreSQL (TALLY_TEST_ENGINE=postgres) each
// statement is a round trip, seconds per test on a busy machine, so the defaults (5 s, 10 s) are too short.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } });
