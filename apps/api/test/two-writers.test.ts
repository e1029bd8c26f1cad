import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { connect, type Db } from "@tally/shared/db";
import { testEngine } from "@tally/shared/db/testing";
import type { Summary } from "../src/queries/overview.ts";
import type { SpendTimeseries } from "../src/queries/spend-timeseries.ts";
import { consistency, line, readWindow, runLoad, startWriter, trpc, UNPRICED_MODEL, type Writer, ZONES } from "./two-writers-load.ts";

// Issue 15, "Writers must not fail each other": two Tally processes on one SQLite file, each receiving
// deliveries (some keys at both, 2–3 times) while readers query both. 6,100 deliveries is the floor
// (3,000 a process), each a real serve() run of 2 requests: ~80 CPU-seconds, so ~40 s at best on 2 cores
// (measured on a 2-core VM shared with other work: 47 s at load average ~3, 80–90 s at ~7).
const DELIVERIES = 6_100;
const dir = mkdtempSync(join(tmpdir(), "tally-two-writers-"));
const dbFile = join(dir, "tally.db");
let db: Db | undefined;
const writers: Writer[] = [];
afterAll(async () => {
  await Promise.allSettled(writers.map((w) => w.stop()));
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

// SQLite only: both tests are about one SQLite file shared by processes (its write lock, BEGIN IMMEDIATE, the busy
// timeout). Their PostgreSQL twin, several instances on one database, is multi-instance.test.ts.
describe.runIf(testEngine() === "sqlite")("two server processes on one SQLite file", () => {
  it("fail none of each other's deliveries, lose and double nothing, and keep every rollup equal to its raw rows", async () => {
    db = await connect({ url: dbFile }); // migrated once, before either server starts
    writers.push(...(await Promise.all([startWriter(dbFile), startWriter(dbFile)])));
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    const load = await runLoad(writers, { t0, concurrency: 6, readers: 1, readPauseMs: 250, deliveries: DELIVERIES });
    console.log(
      `two writers: ${DELIVERIES} deliveries (${load.perProcess.join(" + ")}) of ${load.completed.size} keys in ${load.seconds.toFixed(1)} s, ` +
        `${load.failed} failed, ${load.reads} reads; server logs: ${writers.map((w) => w.lockedLogs())} × "database is locked"`,
    );

    expect(load.errors).toEqual({});
    expect(load.failed).toBe(0);
    expect(load.readFailures).toEqual([]);
    expect(Math.min(...load.perProcess)).toBeGreaterThanOrEqual(3_000);
    expect(load.reads).toBeGreaterThan(20);

    // Expected values from the lines sent, independently of the recording code.
    const keys = [...load.completed].map((i) => line(i, t0));
    const expected = {
      rows: keys.length,
      calls: keys.length,
      inputTokens: keys.reduce((s, l) => s + l.input.promptTokens, 0),
      unpricedCalls: keys.filter((l) => l.input.model === UNPRICED_MODEL).length,
      runs: new Set(keys.map((l) => l.parentRunId)).size,
    };
    expect(keys.length).toBeGreaterThan(3_000);
    const ids = await db.selectFrom("usage_costs").select("id").execute();
    expect(new Set(ids.map((r) => r.id))).toEqual(new Set(keys.map((l) => `${l.key}:agent`)));

    // The zone's calendars, added by a reader's request, filled by a server in the background meanwhile.
    const deadline = Date.now() + 30_000;
    const pending = () => db!.selectFrom("rollup_calendars").select(["time_zone", "filled_to"]).where("filled_to", "is not", null).execute();
    while ((await pending()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await pending()).toEqual([]);
    expect(await db.selectFrom("rollup_calendars").select("time_zone").execute()).toEqual([{ time_zone: ZONES[1] }, { time_zone: ZONES[1] }]);

    const { raw, mismatches } = await consistency(db);
    expect(raw).toMatchObject(expected);
    expect(raw.costMicros).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
    // Each server's totals, in UTC and in the zone (its day series read from the calendar), equal the raw rows.
    for (const w of writers) {
      for (const timeZone of ZONES) {
        const summary = await data<Summary>(w, "overview.summary", { ...readWindow(t0), timeZone });
        expect({ spend: summary.current.spendMicros.total, runs: summary.current.runs, unpriced: summary.current.unpricedCalls }).toEqual({ spend: raw.costMicros, runs: expected.runs, unpriced: expected.unpricedCalls });
        const series = await data<SpendTimeseries>(w, "spend.timeseries", { ...readWindow(t0), timeZone, bucket: "day", splitBy: "customer" });
        expect(series.series.flatMap((s) => s.points).reduce<number>((a, p) => a + (p ?? 0), 0)).toBe(raw.costMicros);
      }
    }
  }, 240_000);
});

async function data<T>(w: Writer, path: string, input: unknown): Promise<T> {
  const res = await trpc(w.base, path, input);
  expect(res.status, res.body).toBe(200);
  return (JSON.parse(res.body) as { result: { data: T } }).result.data;
}

describe.runIf(testEngine() === "sqlite")("a write transaction (connect()) on a SQLite file", () => {
  it("waits for another process's write lock, then sees what it committed; reads do not wait", async () => {
    const probe = await connect({ url: join(dir, "lock.db") });
    try {
      const holder = await holdWriteLock(join(dir, "lock.db"), 1_000);
      const customers = (q: Db) => q.selectFrom("customers").select("id").execute().then((rows) => rows.map((r) => r.id));
      // Taken while the other process holds the lock: neither waits for its commit.
      expect(await customers(probe)).toEqual([]);
      expect(await probe.transaction().setAccessMode("read only").execute(customers)).toEqual([]);
      // A read-then-write transaction: with a deferred BEGIN its write fails at once (`database is locked`).
      const seen = await probe.transaction().execute(async (trx) => {
        const before = await customers(trx);
        await trx.insertInto("customers").values({ id: "writer", name: "w", created_at: 0, updated_at: 0 }).execute();
        return before;
      });
      expect(seen).toEqual(["holder"]);
      expect(await holder.exited).toBe(0);
      expect(await customers(probe)).toEqual(["holder", "writer"]);
    } finally {
      await probe.destroy();
    }
  });
});

/** Another process takes the write lock (BEGIN IMMEDIATE), writes customer `holder`, and commits `ms` later. */
async function holdWriteLock(file: string, ms: number): Promise<{ exited: Promise<number | null> }> {
  const code = `const db = new (require("better-sqlite3"))(${JSON.stringify(file)});
    db.exec("begin immediate");
    db.prepare("insert into customers (id, name, created_at, updated_at) values ('holder', 'h', 0, 0)").run();
    console.log("locked");
    setTimeout(() => { db.exec("commit"); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ["-e", code], { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  await new Promise<void>((ok, fail) => {
    createInterface({ input: child.stdout }).once("line", () => ok());
    void exited.then((c) => fail(new Error(`lock holder exited (${c}) before locking`)));
  });
  return { exited };
}
