import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { sql } from "kysely";
import { calendars, connect, type Db, JOB_LOCKS, syncCalendars, tableColumns } from "@tally/shared/db";
import { testDatabaseUrl, testEngine } from "@tally/shared/db/testing";
import { fixture, seedRun } from "../src/queries/test-support.ts";
import { compareRollupsWithRaw } from "./fixtures/rollups-from-raw.ts";
import { line, readWindow, runLoad, startWriter, trpc, UNPRICED_MODEL, type Writer, ZONES } from "./two-writers-load.ts";

// Issue 21: several API instances on one PostgreSQL database, each a Tally server in a process of its own.
// About PostgreSQL only: on SQLite the same is two-writers.test.ts (two processes on one file).
const DAY = 86_400_000;
/**
 * Inngest runs (deferred track-ai-costs), each delivered 2 or 3 times, the copies to both instances at about once:
 * ~12,500 serve() runs of 2 requests: 160 s on the quiet 2-core VM, 1,995 s at load average ~20 (other suites
 * running). Throughput by instances is `npm run bench -- --db postgres://…` (ingest.bench.ts --instances 1,2).
 */
const KEYS = 5_000;
const dbs: Db[] = [];
const writers: Writer[] = [];
const clients: pg.Client[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.end())); // a failed test's uncommitted row must not hold the servers up
  await Promise.allSettled(writers.map((w) => w.stop()));
  await Promise.allSettled(dbs.map((d) => d.destroy()));
}, 60_000);

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}

async function open(): Promise<{ url: string; db: Db }> {
  const url = await testDatabaseUrl();
  const db = await connect({ url });
  dbs.push(db);
  return { url, db };
}

async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(testEngine() === "postgres")("two API instances on one PostgreSQL database", () => {
  it("lose nothing and count nothing twice under 2–3 deliveries of every run across both, and every rollup equals its raw rows", async () => {
    const { url, db } = await open();
    writers.push(...(await Promise.all([startWriter(url), startWriter(url)])));
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    const load = await runLoad(writers, { t0, concurrency: 6, readers: 1, readPauseMs: 500, lines: KEYS, minCopies: 2 });
    const sent = load.perProcess.reduce((a, b) => a + b, 0);
    console.log(
      `two instances on PostgreSQL: ${sent} deliveries (${load.perProcess.join(" + ")}) of ${load.completed.size} runs in ${load.seconds.toFixed(1)} s ` +
        `(${(sent / load.seconds).toFixed(0)} runs/s), ${load.failed} failed, ${load.reads} reads`,
    );
    expect(load.errors).toEqual({});
    expect(load.failed).toBe(0);
    expect(load.readFailures).toEqual([]);
    expect(load.completed.size).toBe(KEYS);
    expect(sent).toBeGreaterThanOrEqual(2 * KEYS);
    expect(Math.min(...load.perProcess)).toBeGreaterThan(0.4 * sent);

    // Expected from the lines sent, independently of the recording code: each exactly once.
    const lines = Array.from({ length: KEYS }, (_, i) => line(i, t0));
    const ids = await db.selectFrom("usage_costs").select("id").execute();
    expect(ids.length).toBe(KEYS);
    expect(new Set(ids.map((r) => r.id))).toEqual(new Set(lines.map((l) => `${l.key}:agent`)));
    const raw = await db
      .selectFrom("usage_costs")
      .select((e) => [e.fn.sum<number>("input_tokens").as("input"), e.fn.count<number>("id").filterWhere("cost_micros", "is", null).as("unpriced"), e.fn.sum<number>("cost_micros").as("cost")])
      .executeTakeFirstOrThrow();
    expect({ input: raw.input, unpriced: raw.unpriced }).toEqual({
      input: lines.reduce((s, l) => s + l.input.promptTokens, 0),
      unpriced: lines.filter((l) => l.input.model === UNPRICED_MODEL).length,
    });
    const runs = new Set(lines.map((l) => l.parentRunId)).size;
    expect((await db.selectFrom("runs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n).toBe(runs);

    // The zone's calendars (added by a reader's request, filled by one instance under the job lock meanwhile) complete.
    await until("the zone's calendars", 60_000, async () => (await calendars(db)).every((c) => c.filled_to === null));
    expect((await calendars(db)).map((c) => c.time_zone)).toEqual([ZONES[1], ZONES[1]]);
    const { tables, differences } = await compareRollupsWithRaw(db);
    expect(differences).toEqual([]);
    expect(Object.keys(tables).some((t) => t.endsWith("_local"))).toBe(true);
    // Each instance answers the raw totals, in UTC and in the zone.
    for (const w of writers) {
      for (const timeZone of ZONES) {
        const res = await trpc(w.base, "overview.summary", { ...readWindow(t0), timeZone });
        expect(res.status, res.body).toBe(200);
        const current = (JSON.parse(res.body) as { result: { data: { current: { spendMicros: { total: number }; runs: number; unpricedCalls: number } } } }).result.data.current;
        expect([current.spendMicros.total, current.runs, current.unpricedCalls]).toEqual([raw.cost, runs, raw.unpriced]);
      }
    }
  }, 600_000);

  it("a calendar fill whose instance is SIGKILLed mid-job is finished by the other instance, at the cursor", async () => {
    const { url, db } = await open();
    const START = Date.UTC(2026, 5, 1);
    for (const r of fixture(START, 30, 240, 7)) await seedRun(db, r); // 8 runs a day: the fill is ~60 chunks
    const zone = "Asia/Kolkata";
    const { added } = await syncCalendars(db, [zone], { fill: false });
    const day = added.find((c) => c.unit === "day")!;
    const first = day.filled_to!;

    // The test holds the job lock while both instances start: each finds it held and retries on its timer.
    const holder = await client(url);
    await holder.query("select pg_advisory_lock($1)", [JOB_LOCKS.calendarFill]);
    // A row the fill writes for day 15 (a real line's local day, model and kind), inserted and not committed:
    // the instance that takes the job blocks there, its earlier days committed.
    const blocker = await client(url);
    const mid = (await db.selectFrom("usage_costs").select(["occurred_at", "model", "kind"]).where("occurred_at", ">=", START + 15 * DAY).orderBy("occurred_at").limit(1).executeTakeFirstOrThrow());
    const [y, m, d] = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(mid.occurred_at).split("-").map(Number);
    const key: Record<string, string | number> = { calendar: day.id, bucket: Date.UTC(y!, m! - 1, d!) / DAY, model: mid.model, kind: mid.kind };
    const columns = (await tableColumns(db, "rollup_usage_model_local")).map((c) => c.name);
    expect(columns.filter((c) => c in key).sort()).toEqual(Object.keys(key).sort());
    await blocker.query("begin");
    await blocker.query(`insert into rollup_usage_model_local (${columns.map((c) => `"${c}"`).join(", ")}) values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`, columns.map((c) => key[c] ?? 0));

    const named = (name: string) => `${url}${url.includes("?") ? "&" : "?"}application_name=${name}`;
    const env = { TALLY_TIME_ZONES: zone };
    const [a, b] = await Promise.all([startWriter(named("tally-a"), env), startWriter(named("tally-b"), env)]);
    writers.push(a!, b!);
    await holder.query("select pg_advisory_unlock($1)", [JOB_LOCKS.calendarFill]);

    // One instance takes the job and blocks on day 15.
    const blocked = async () =>
      (await sql<{ name: string }>`select application_name as name from pg_stat_activity where wait_event_type = 'Lock' and application_name like 'tally-%'`.execute(db)).rows.map((r) => r.name);
    await until("an instance blocked mid-fill", 30_000, async () => (await blocked()).length > 0);
    const [filler] = await blocked();
    const lockHolder = await sql<{ name: string }>`select a.application_name as name from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.objid = ${JOB_LOCKS.calendarFill} and l.granted`.execute(db);
    expect(lockHolder.rows.map((r) => r.name)).toEqual([filler]);
    const [dead, survivor] = filler === "tally-a" ? [a!, b!] : [b!, a!];
    const cursor = (await calendars(db)).find((c) => c.id === day.id)!.filled_to;
    expect(cursor).not.toBeNull();
    expect(cursor!).toBeGreaterThan(first + 10 * DAY); // mid-job: days committed before the kill

    await dead.kill();
    writers.splice(writers.indexOf(dead), 1);
    await blocker.query("rollback");
    await until("the survivor to finish the fill", 60_000, async () => (await calendars(db)).every((c) => c.filled_to === null));
    expect(survivor.logs()).not.toMatch(/local calendars:/);
    const { differences } = await compareRollupsWithRaw(db);
    expect(differences).toEqual([]);
  }, 180_000);
});
