import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { connect } from "./connect.ts";
import { testDatabaseUrl, testEngine } from "./test-database.ts";

// Session settings are PostgreSQL's (connect.ts SESSION_OPTIONS); SQLite has no JIT to turn off.
describe.runIf(testEngine() === "postgres")("PostgreSQL session settings", () => {
  const settingsOf = async (url: string) => {
    const db = await connect({ url, migrate: false });
    try {
      // Three statements held open at once: three of the pool's connections, each started with the options.
      return await Promise.all(
        [0, 1, 2].map(() =>
          sql<{ jit: string; work_mem: string; parallel: string; pid: number }>`select current_setting('jit') as jit, current_setting('work_mem') as work_mem, current_setting('max_parallel_workers_per_gather') as parallel, pg_backend_pid() as pid, pg_sleep(0.2)`
            .execute(db)
            .then((r) => r.rows[0]!),
        ),
      );
    } finally {
      await db.destroy();
    }
  };

  it("every pooled connection runs without JIT and without parallel workers (both cost more than the dashboard's reads)", async () => {
    const rows = await settingsOf(await testDatabaseUrl());
    expect(new Set(rows.map((r) => r.pid)).size).toBe(3);
    expect(rows.map((r) => [r.jit, r.parallel])).toEqual([["off", "0"], ["off", "0"], ["off", "0"]]);
  });

  it("keeps the options a DATABASE_URL gives, which win over Tally's", async () => {
    const url = new URL(await testDatabaseUrl());
    url.searchParams.set("options", "-c work_mem=8MB -c max_parallel_workers_per_gather=1");
    const rows = await settingsOf(url.toString());
    expect(rows.map((r) => [r.jit, r.work_mem, r.parallel])).toEqual([["off", "8MB", "1"], ["off", "8MB", "1"], ["off", "8MB", "1"]]);
  });
});
