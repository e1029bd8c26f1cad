import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { connect, hidePassword } from "./connect.ts";
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

describe.runIf(testEngine() === "postgres")("a PostgreSQL connection dropped while in use", () => {
  it("fails what uses it, not the process; the pool answers the next statement", async () => {
    const db = await connect({ url: await testDatabaseUrl(), migrate: false });
    const killer = await connect({ url: await testDatabaseUrl(), migrate: false });
    try {
      // A connection held between statements (as a job holds its lock's while it works on others): the server
      // terminates its session. The client emits 'error' then; unheard, Node would crash the process.
      const held = db.connection().execute(async (conn) => {
        const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid;
        await sql`select pg_terminate_backend(${pid})`.execute(killer);
        await new Promise((r) => setTimeout(r, 500));
        await sql`select 1`.execute(conn);
      });
      await expect(held).rejects.toThrow(/terminat|not queryable/i);
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
      await killer.destroy();
    }
  });
});

describe("hidePassword", () => {
  it("hides the whole password, an unencoded @ in it included, and nothing after the host", () => {
    expect(hidePassword("postgres://op:Tr0ub@dor-secret@127.0.0.1:5432/tally")).toBe("postgres://op:***@127.0.0.1:5432/tally");
    expect(hidePassword("postgres://op:pw@db/tally?options=-c%20a@b")).toBe("postgres://op:***@db/tally?options=-c%20a@b");
    expect(hidePassword("postgres:///tally?host=/var/run/postgresql")).toBe("postgres:///tally?host=/var/run/postgresql");
    expect(hidePassword("postgres://op@db/tally")).toBe("postgres://op@db/tally");
  });
});

