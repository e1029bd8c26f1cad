import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTO_IDLE_MS, calendars, fillCalendars, syncCalendars, wantCalendar } from "@tally/shared/db";
import { forgetRun } from "@tally/inngest-functions";
import { fixture, localCalendarRows, openTestDb, seedPrices, seedRun, type TestDb } from "./test-support.ts";
import { localCalendar } from "./local.ts";

const START = Date.UTC(2026, 6, 1);
const DAY = 86_400_000;
let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
}, 300_000);
afterAll(() => t.close());

// Runs recorded one by one between fills: seconds on a loaded machine (PostgreSQL pass); a hang guard, not a budget.
describe("local calendars filled in the background (fillCalendars, wantCalendar)", { timeout: 120_000 }, () => {
  it("a calendar filled a day at a time while runs arrive, move and are forgotten equals one filled from scratch", async () => {
    const runs = fixture(START, 9, 240, 7);
    // Half the runs before the calendar exists; all judged before their customer is known (a move later).
    for (const r of runs.slice(0, 120)) await seedRun(t.db, { ...r, customerId: undefined, agent: undefined });
    expect(await wantCalendar(t.db, "Asia/Kolkata", { now: START, cap: 3 })).toBe("added");
    expect(await localCalendar(t.db, "Asia/Kolkata", "day")).toBeNull(); // not read until complete
    let before = 0;
    let after = 0;
    let chunks = 0;
    for (let i = 0; i < 12; i++) {
      // Between two fill transactions: new runs anywhere in the 9 days, earlier runs' customers (moves) and
      // forgotten runs, so deltas land both before and after the calendars' filled_to.
      const filled = (await calendars(t.db)).find((c) => c.unit === "day")!.filled_to ?? Infinity; // filled first
      for (const r of runs.slice(120 + i * 10, 130 + i * 10)) {
        await seedRun(t.db, r);
        if (r.occurredAt < filled) before++;
        else after++;
      }
      for (const r of runs.slice(i * 10, i * 10 + 10)) await seedRun(t.db, { ...r, scores: undefined, judge: undefined });
      await forgetRun(t.db, runs[i * 10]!.runId);
      chunks += await fillCalendars(t.db, async () => false); // one transaction
    }
    chunks += await fillCalendars(t.db);
    expect(before).toBeGreaterThan(10);
    expect(after).toBeGreaterThan(10);
    expect(chunks).toBeGreaterThan(12); // a 9-day window, two calendars, a day per transaction
    expect((await calendars(t.db)).map((c) => [c.time_zone, c.unit, c.filled_to, c.source])).toEqual([
      ["Asia/Kolkata", "day", null, "auto"],
      ["Asia/Kolkata", "week", null, "auto"],
    ]);
    expect(await localCalendar(t.db, "Asia/Kolkata", "day")).not.toBeNull();

    const written = await localCalendarRows(t.db);
    expect(written.usage_customer!.length).toBeGreaterThan(20);
    expect(written.scores_model!.length).toBeGreaterThan(20);
    // Idle two weeks, the auto zone goes at start-up; configured, it is filled again from scratch.
    await syncCalendars(t.db, [], { now: START + AUTO_IDLE_MS + DAY });
    expect(await calendars(t.db)).toEqual([]);
    await syncCalendars(t.db, ["Asia/Kolkata"]);
    expect(await localCalendarRows(t.db)).toEqual(written);
  });

  it("adds auto zones up to the cap, makes room only from one unused for two weeks, and keeps configured ones", async () => {
    const zones = async () => (await calendars(t.db)).filter((c) => c.unit === "day").map((c) => [c.time_zone, c.source]);
    await syncCalendars(t.db, ["Asia/Kolkata"]);
    const now = START + 30 * DAY;
    expect(await wantCalendar(t.db, "UTC", { now, cap: 2 })).toBe("utc");
    expect(await wantCalendar(t.db, "Asia/Calcutta", { now, cap: 2 })).toBe("kept"); // configured, by its alias
    expect(await wantCalendar(t.db, "Europe/Berlin", { now, cap: 2 })).toBe("added");
    expect(await wantCalendar(t.db, "America/New_York", { now: now + DAY, cap: 2 })).toBe("added");
    expect(await wantCalendar(t.db, "Asia/Tokyo", { now: now + 2 * DAY, cap: 2 })).toBe("full");
    // Berlin asked again later: New York is now the least recently used, and idle after two weeks.
    expect(await wantCalendar(t.db, "Europe/Berlin", { now: now + 3 * DAY, cap: 2 })).toBe("kept");
    expect(await wantCalendar(t.db, "Asia/Tokyo", { now: now + DAY + AUTO_IDLE_MS - 1, cap: 2 })).toBe("full");
    expect(await wantCalendar(t.db, "Asia/Tokyo", { now: now + DAY + AUTO_IDLE_MS + 1, cap: 2 })).toBe("added");
    expect(await zones()).toEqual([["Asia/Kolkata", "config"], ["Europe/Berlin", "auto"], ["Asia/Tokyo", "auto"]]);
    // Configuring an auto zone keeps its calendar (now configured); unconfiguring drops it.
    await syncCalendars(t.db, ["Asia/Tokyo"], { now: now + 4 * DAY });
    expect(await zones()).toEqual([["Europe/Berlin", "auto"], ["Asia/Tokyo", "config"]]);
    await fillCalendars(t.db);
    expect((await calendars(t.db)).every((c) => c.filled_to === null)).toBe(true);
  });
});
