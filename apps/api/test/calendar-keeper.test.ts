import { afterAll, beforeAll, expect, it } from "vitest";
import { calendars } from "@tally/shared/db";
import { localCalendar } from "../src/queries/local.ts";
import { fixture, seedRun } from "../src/queries/test-support.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";

// The real server: a zone people view in gets a calendar by itself, filled in the background, and its
// answers stay the same while the series switch from UTC rows and edges to the calendar's rows.
const START = Date.UTC(2026, 6, 1);
let tally: Tally;

beforeAll(async () => {
  tally = await startTally({ TALLY_AUTO_ZONES: "1" });
  for (const r of fixture(START, 20, 300, 5)) await seedRun(tally.db, r);
});
afterAll(() => tally.close());

async function get(path: string, input: unknown): Promise<{ status: number; data: unknown }> {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(`${tally.base}/api/trpc/${path}${query}`, { headers: AUTH });
  const body = (await res.json()) as { result?: { data: unknown } };
  return { status: res.status, data: body.result?.data };
}
/** Means and CIs to 12 digits: a calendar sums scores in another order than UTC days and edges. */
const rounded = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "number" ? Number(x.toPrecision(12)) : x)));
const window = (timeZone: string) => ({ from: START, to: START + 20 * 86_400_000, timeZone, bucket: "day" });

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
  expect(rounded(after.data)).toEqual(rounded(before.data));
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
