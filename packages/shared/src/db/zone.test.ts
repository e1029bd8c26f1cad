import { describe, expect, it } from "vitest";
import { localDayWindow } from "./zone.ts";

const H = 3_600_000;

// "Today" of the judge budget: [the local day's first instant, the next day's), by hand from each zone's rules.
describe("localDayWindow", () => {
  it.each([
    // UTC+5:30 all year.
    { tz: "Asia/Kolkata", at: "2026-11-02T17:30:00Z", day: "2026-11-02", start: "2026-11-01T18:30:00Z", hours: 24 },
    { tz: "Asia/Kolkata", at: "2026-11-02T18:30:00Z", day: "2026-11-03", start: "2026-11-02T18:30:00Z", hours: 24 },
    // UTC+5:45.
    { tz: "Asia/Kathmandu", at: "2026-06-15T18:14:59Z", day: "2026-06-15", start: "2026-06-14T18:15:00Z", hours: 24 },
    // New York leaves DST on Sunday 1 November 2026 (EDT −4 → EST −5 at 02:00 local): a 25-hour day.
    { tz: "America/New_York", at: "2026-11-01T12:00:00Z", day: "2026-11-01", start: "2026-11-01T04:00:00Z", hours: 25 },
    // …and enters it on Sunday 8 March 2026 (EST −5 → EDT −4): a 23-hour day.
    { tz: "America/New_York", at: "2026-03-08T23:00:00Z", day: "2026-03-08", start: "2026-03-08T05:00:00Z", hours: 23 },
    // Lord Howe leaves its half-hour DST on Sunday 5 April 2026 (+11 → +10:30 at 02:00 local): 24.5 hours.
    { tz: "Australia/Lord_Howe", at: "2026-04-05T06:00:00Z", day: "2026-04-05", start: "2026-04-04T13:00:00Z", hours: 24.5 },
    { tz: "UTC", at: "2026-11-02T23:59:59Z", day: "2026-11-02", start: "2026-11-02T00:00:00Z", hours: 24 },
  ])("$tz at $at: $day from $start, $hours hours", ({ tz, at, day, start, hours }) => {
    const window = localDayWindow(tz, Date.parse(at));
    expect(window).toEqual({ day, start: Date.parse(start), end: Date.parse(start) + hours * H });
  });
});
