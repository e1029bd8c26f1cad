import { describe, expect, it } from "vitest";
import { auditCsvHref, auditFilterInput, dayStart, nextDay, rangeIsBackwards, readAuditFilters } from "./audit-filters.ts";

const blank = { action: "", actor: "", target: "", since: "", until: "" };

describe("audit filters", () => {
  it("reads the filters from the URL, blanks for missing keys", () => {
    expect(readAuditFilters(new URLSearchParams("section=audit&action=users.setRole&actor=ann&from=1"))).toEqual({ ...blank, action: "users.setRole", actor: "ann" });
  });

  it("leaves blanks out and trims texts", () => {
    expect(auditFilterInput(blank, "UTC")).toEqual({});
    expect(auditFilterInput({ ...blank, action: "apiKeys.create", actor: "  Ann ", target: " " }, "UTC")).toEqual({ action: "apiKeys.create", actor: "Ann" });
    // An action edited into the URL that the log does not know is not sent (the API would refuse it).
    expect(auditFilterInput({ ...blank, action: "users.drop" }, "UTC")).toEqual({});
  });

  it("turns local days into the instants that bound them in the zone", () => {
    // Berlin is UTC+1 in winter: 2026-01-10 00:00 local is 2026-01-09T23:00Z.
    expect(auditFilterInput({ ...blank, since: "2026-01-10", until: "2026-01-12" }, "Europe/Berlin")).toEqual({
      from: Date.UTC(2026, 0, 9, 23),
      to: Date.UTC(2026, 0, 12, 23),
    });
    // New York's spring-forward day is 23 hours long; the range still ends at the next local midnight.
    expect(auditFilterInput({ ...blank, since: "2026-03-08", until: "2026-03-08" }, "America/New_York")).toEqual({
      from: Date.UTC(2026, 2, 8, 5),
      to: Date.UTC(2026, 2, 9, 4),
    });
  });

  it("does calendar arithmetic across month and year ends, and refuses non-dates", () => {
    expect(nextDay("2026-02-28")).toBe("2026-03-01");
    expect(nextDay("2024-02-28")).toBe("2024-02-29");
    expect(nextDay("2025-12-31")).toBe("2026-01-01");
    expect(dayStart("2026-02-30", "UTC")).toBeNull();
    expect(dayStart("yesterday", "UTC")).toBeNull();
    // Clocks jumped from 00:00 (−3) to 01:00 (−2): the day began at the jump, 03:00 UTC.
    expect(dayStart("2018-11-04", "America/Sao_Paulo")).toBe(Date.UTC(2018, 10, 4, 3));
    expect(auditFilterInput({ ...blank, since: "2026-13-01", until: "nope" }, "UTC")).toEqual({});
  });

  it("knows a backwards range", () => {
    expect(rangeIsBackwards(auditFilterInput({ ...blank, since: "2026-01-12", until: "2026-01-10" }, "UTC"))).toBe(true);
    expect(rangeIsBackwards(auditFilterInput({ ...blank, since: "2026-01-10", until: "2026-01-10" }, "UTC"))).toBe(false);
    expect(rangeIsBackwards({ from: 5 })).toBe(false);
  });

  it("links the CSV export with the same filter JSON", () => {
    const href = auditCsvHref({ action: "users.invite", from: 1 });
    expect(href.startsWith("/api/export/audit.csv?input=")).toBe(true);
    expect(JSON.parse(new URL(href, "http://x").searchParams.get("input")!)).toEqual({ action: "users.invite", from: 1 });
  });
});
