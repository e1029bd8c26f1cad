import { describe, expect, it } from "vitest";
import { dayStart, localParts, monthShares, monthStart } from "./months.ts";

/** The first minute whose local date is y-mo-d, found by walking minute by minute across the UTC day ± 15 h. */
function firstMinuteOf(y: number, mo: number, d: number, tz: string): number {
  const target = `${y}-${mo}-${d}`;
  const base = Date.UTC(y, mo - 1, d);
  for (let t = base - 15 * 3_600_000; t < base + 15 * 3_600_000; t += 60_000) {
    const l = localParts(t, tz);
    if (`${l.y}-${l.mo}-${l.d}` === target) return t;
  }
  throw new Error(`no minute of ${target} in ${tz}`);
}

describe("dayStart / monthStart", () => {
  // [zone, y, mo, d]: clocks jumping past midnight (west and east of UTC), falling back at midnight, plain days,
  // half-hour and 45-minute offsets.
  const cases: [string, number, number, number][] = [
    ["America/Asuncion", 2023, 10, 1], // 00:00 → 01:00 (−4 → −3) on the 1st
    ["America/Havana", 2012, 4, 1], // 00:00 → 01:00 (−5 → −4) on the 1st
    ["America/Asuncion", 2024, 3, 24], // 00:00 → 23:00 the day before (−3 → −4): midnight twice
    ["Asia/Amman", 2016, 4, 1], // 00:00 → 01:00 (+2 → +3) on the 1st
    ["America/Sao_Paulo", 2018, 11, 4], // 00:00 → 01:00 (−3 → −2)
    ["America/New_York", 2026, 11, 1], // a DST day that starts at a plain midnight
    ["Asia/Kolkata", 2026, 12, 1],
    ["Asia/Kathmandu", 2026, 1, 1],
    ["UTC", 2026, 2, 1],
  ];
  for (const [tz, y, mo, d] of cases) {
    it(`${tz} ${y}-${mo}-${d} starts at its first minute`, () => {
      const expected = firstMinuteOf(y, mo, d, tz);
      expect(dayStart(y, mo, d, tz)).toBe(expected);
      if (d === 1) expect(monthStart(y, mo, tz)).toBe(expected);
    });
  }

  it("a month without a local midnight on its 1st keeps the hour before in the month before", () => {
    const sep = monthShares(Date.UTC(2023, 8, 15), Date.UTC(2023, 9, 15), "America/Asuncion");
    const octStart = firstMinuteOf(2023, 10, 1, "America/Asuncion");
    expect(sep[0]!.end).toBe(octStart);
    expect(sep[1]!.start).toBe(octStart);
    const l = localParts(octStart - 1, "America/Asuncion");
    expect([l.mo, l.d]).toEqual([9, 30]);
  });
});
