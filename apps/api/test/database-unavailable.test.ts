import Database from "better-sqlite3";
import { sql } from "kysely";
import { connect, isDatabaseUnavailable, isPostgres } from "@tally/shared/db";
import { testEngine } from "@tally/shared/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, startTally, type Tally } from "./harness.ts";

// While the database cannot be had (PostgreSQL refusing connections, SQLite's write lock held past its busy
// timeout), a request answers 503 with Retry-After, which the dashboard reads as "offline, try again", not a
// 500; and the answer comes back by itself when the database does.
describe("the database unavailable", { timeout: 60_000 }, () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  const WINDOW = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2), timeZone: "UTC" };
  const summary = () => fetch(`${tally.base}/api/trpc/overview.summary?input=${encodeURIComponent(JSON.stringify(WINDOW))}`, { headers: AUTH });
  const csv = () => fetch(`${tally.base}/api/export/spend-by-customer.csv?input=${encodeURIComponent(JSON.stringify(WINDOW))}`, { headers: AUTH });
  const upsert = () =>
    fetch(`${tally.base}/api/trpc/customers.upsert`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json", origin: tally.base },
      body: JSON.stringify({ id: "initech", name: "Initech", monthlyBudgetMicros: null }),
    });
  async function expect503(res: Response) {
    const text = await res.text();
    expect(res.status, text).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(text).toContain("the database is unavailable: try again in a moment");
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  }

  it.runIf(testEngine() === "postgres")("PostgreSQL refusing connections: queries and exports answer 503, then 200 again", async () => {
    expect(isPostgres(tally.db)).toBe(true);
    const name = new URL(tally.dbFile).pathname.slice(1);
    const admin = await connect({ url: tally.dbFile.replace(/\/[^/?]+(\?|$)/, "/postgres$1"), migrate: false });
    try {
      await sql.raw(`alter database "${name}" allow_connections false`).execute(admin);
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`.execute(admin);
      await expect503(await summary());
      await expect503(await csv());
      await expect503(await upsert());
    } finally {
      await sql.raw(`alter database "${name}" allow_connections true`).execute(admin);
      await admin.destroy();
    }
    expect((await summary()).status).toBe(200);
    expect((await upsert()).status).toBe(200);
  });

  it.runIf(testEngine() === "sqlite")("SQLite's write lock held past the busy timeout: a write answers 503, then 200 once it is free", async () => {
    const other = new Database(tally.dbFile);
    try {
      other.prepare("begin immediate").run();
      await expect503(await upsert());
    } finally {
      other.prepare("rollback").run();
      other.close();
    }
    expect((await upsert()).status).toBe(200);
  });

  it("tells a lost or refused connection from a request's own error", () => {
    const refused = Object.assign(new AggregateError([Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })]), { code: "ECONNREFUSED" });
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }) }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key value"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("syntax error"), { code: "42601" }))).toBe(false);
    expect(isDatabaseUnavailable(new Error("invalid input"))).toBe(false);
  });
});
