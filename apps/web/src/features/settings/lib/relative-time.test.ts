import { describe, expect, it } from "vitest";
import { relativeTime } from "./relative-time.ts";

const NOW = Date.UTC(2026, 2, 15, 12, 0, 0);
const MIN = 60_000;

describe("relative time", () => {
  it("says never, just now, minutes, hours and days ago", () => {
    expect(relativeTime(null, NOW, "UTC", "en-US")).toBe("never");
    expect(relativeTime(NOW - 59_999, NOW, "UTC", "en-US")).toBe("just now");
    expect(relativeTime(NOW + 5_000, NOW, "UTC", "en-US")).toBe("just now");
    expect(relativeTime(NOW - MIN, NOW, "UTC", "en-US")).toBe("1 minute ago");
    expect(relativeTime(NOW - 59 * MIN - 59_000, NOW, "UTC", "en-US")).toBe("59 minutes ago");
    expect(relativeTime(NOW - 60 * MIN, NOW, "UTC", "en-US")).toBe("1 hour ago");
    expect(relativeTime(NOW - 23 * 60 * MIN, NOW, "UTC", "en-US")).toBe("23 hours ago");
    expect(relativeTime(NOW - 24 * 60 * MIN, NOW, "UTC", "en-US")).toBe("1 day ago");
    expect(relativeTime(NOW - 29 * 1440 * MIN, NOW, "UTC", "en-US")).toBe("29 days ago");
  });

  it("gives the date in the zone past 30 days", () => {
    // 2026-01-01T02:00Z is still Dec 31 in Los Angeles.
    expect(relativeTime(Date.UTC(2026, 0, 1, 2), NOW, "America/Los_Angeles", "en-US")).toBe("Dec 31, 2025");
    expect(relativeTime(Date.UTC(2026, 0, 1, 2), NOW, "UTC", "en-US")).toBe("Jan 1, 2026");
  });
});
