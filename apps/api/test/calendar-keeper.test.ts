import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendars, connect, JOB_LOCKS, syncCalendars } from "@tally/shared/db";
import { testDatabaseUrl, testEngine } from "@tally/shared/db/testing";
import { createCalendarKeeper } from "../src/calendar-keeper.ts";
import { localCalendar } from "../src/queries/local.ts";
import { fixture, seedRun } from "../src/queries/test-support.ts";
import { compareRollupsWithRaw } from "./fixtures/rollups-from-raw.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";

// The real server: a zone people view in gets a calendar by itself, filled in the background, and its
// answers stay the same while the series switch from UTC rows and edges to the calendar's rows.
const START = Date.UTC(2026, 6, 1);
let tally: Tally;


async function get(path: string, input: unknown): Promise<{ status: number; data: unknown }> {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(`${tally.base}/api/trpc/${path}${query}`, { headers: AUTH });
  const body = (await res.json()) as { result?: { data: unknown } };
  return { status: res.status, data: body.result?.data };
}
/**
 * The same answer, numbers within 1e-9 (relative): a calendar sums scores in another order than UTC days and
 * edges, so a mean or an interval may differ in its last bits (rounding both to fixed digits fails when the
 * value sits on a rounding boundary: 0.9394819582835 ± 1 ulp on PostgreSQL).
 */
function expectSameAnswer(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (expected !== null && typeof expected === "object") {
    expect(actual !== null && typeof actual === "object", path).toBe(true);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    expect(Object.keys(a).sort(), path).toEqual(Object.keys(e).sort());
    for (const k of Object.keys(e)) expectSameAnswer(a[k], e[k], `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}
const window = (timeZone: string) => ({ from: START, to: START + 20 * 86_400_000, timeZone, bucket: "day" });

describe("one instance", () => {
beforeAll(async () => {
  tally = await startTally({ TALLY_AUTO_ZONES: "1" });
  for (const r of fixture(START, 20, 150, 5)) await seedRun(tally.db, r);
}, 120_000); // PostgreSQL on a busy machine takes a while
afterAll(() => tally.close());

it("adds a calendar for the zone a request asks for, fills it, and answers the same from it", async () => {
  expect(await localCalendar(tally.db, "Asia/Kolkata", "day")).toBeNull();
  const before = await get("quality.trend", window("Asia/Kolkata"));
  const spendBefore = await get("spend.timeseries", { ...window("Asia/Kolkata"), splitBy: "customer" });
  expect(before.status).toBe(200);
  await tally.calendars.idle();
  expect((await calendars(tally.db)).map((c) => [c.time_zone, c.unit, c.filled_to, c.source])).toEqual([
    ["Asia/Kolkata", "day", null, "auto"],
    ["Asia/Kolkata", "week", null, "auto"],
  ]);
  expect(await localCalendar(tally.db, "Asia/Kolkata", "day")).not.toBeNull();
  const after = await get("quality.trend", window("Asia/Kolkata"));
  expectSameAnswer(after.data, before.data);
  expect((after.data as { series: unknown[] }).series.length).toBeGreaterThan(3);
  expect((await get("spend.timeseries", { ...window("Asia/Kolkata"), splitBy: "customer" })).data).toEqual(spendBefore.data);
  // Not a configured zone: the zone picker does not list it as the team's.
  expect((await get("system.status", undefined)).data).toMatchObject({ teamZones: [] });
});

it("adds none for UTC, an unknown zone, a failed request or past the cap (TALLY_AUTO_ZONES)", async () => {
  expect((await get("quality.trend", window("UTC"))).status).toBe(200);
  expect((await get("quality.trend", window("Mars/Olympus"))).status).toBe(400);
  expect((await get("quality.trend", { ...window("Asia/Tokyo"), bucket: "fortnight" })).status).toBe(400);
  expect((await get("overview.summary", { ...window("Europe/Berlin"), bucket: undefined })).status).toBe(200);
  // A procedure that takes no input answers whatever `input` says, as before the keeper listened.
  expect((await fetch(`${tally.base}/api/trpc/system.status?input=undefined`, { headers: AUTH })).status).toBe(200);
  await tally.calendars.idle();
  expect([...new Set((await calendars(tally.db)).map((c) => c.time_zone))]).toEqual(["Asia/Kolkata"]);
});
});

// PostgreSQL only: on SQLite the job lock is the write lock every transaction takes (withJobLock just runs).
describe.runIf(testEngine() === "postgres")("several instances on one PostgreSQL database", () => {
  it("fills in one instance at a time: while the job lock is held elsewhere it waits, and takes the fill over once it is free", async () => {
    const url = await testDatabaseUrl();
    const db = await connect({ url });
    const other = new pg.Client({ connectionString: url }); // another instance's session
    await other.connect();
    const keeper = createCalendarKeeper(db, { cap: 1, retryMs: 100 });
    try {
      for (const r of fixture(START, 5, 40, 3)) await seedRun(db, r);
      await syncCalendars(db, ["Europe/Berlin"], { fill: false });
      const pending = async () => (await calendars(db)).filter((c) => c.filled_to !== null).length;
      await other.query("select pg_advisory_lock($1)", [JOB_LOCKS.calendarFill]);
      keeper.fill();
      await keeper.idle();
      await new Promise((r) => setTimeout(r, 500)); // five retries, all refused
      expect(await pending()).toBe(2);
      await other.query("select pg_advisory_unlock($1)", [JOB_LOCKS.calendarFill]);
      const deadline = Date.now() + 10_000;
      while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await pending()).toBe(0);
      // The calendars equal their raw rows (the keeper filled each day once).
      expect((await compareRollupsWithRaw(db)).differences).toEqual([]);
    } finally {
      await keeper.stop();
      await other.end();
      await db.destroy();
    }
  }, 120_000);
});
