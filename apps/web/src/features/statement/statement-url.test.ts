import { describe, expect, it } from "vitest";
import { monthOf, readStatementParams, spendBackHref, statementHref } from "./statement-url.ts";

describe("statement address", () => {
  it("takes the month in the zone: 2026-10-31T18:30Z is November 1 in Asia/Kolkata, still October in UTC", () => {
    const at = Date.UTC(2026, 9, 31, 18, 30);
    expect(monthOf(at, "Asia/Kolkata")).toBe("2026-11");
    expect(monthOf(at, "UTC")).toBe("2026-10");
    expect(monthOf(at - 1, "Asia/Kolkata")).toBe("2026-10");
  });

  it("round-trips customer, month and zone through the query string", () => {
    const href = statementHref("acme & co", "2026-11", "Asia/Kolkata");
    expect(href).toBe("/statement?customer=acme+%26+co&month=2026-11&tz=Asia%2FKolkata");
    expect(readStatementParams(href.slice("/statement".length))).toEqual({ customerId: "acme & co", month: "2026-11", timeZone: "Asia/Kolkata" });
    expect(readStatementParams("", Date.UTC(2026, 11, 3))).toEqual({ customerId: "", month: "2026-12", timeZone: "UTC" });
  });

  it("carries the Spend page's query string, and ← Spend returns to it (only ever on /spend)", () => {
    const spend = "?tz=Asia%2FKolkata&range=last-month&sort=budgetUse";
    const href = statementHref("acme", "2026-11", "Asia/Kolkata", spend);
    const search = href.slice("/statement".length);
    expect(readStatementParams(search)).toEqual({ customerId: "acme", month: "2026-11", timeZone: "Asia/Kolkata" });
    expect(spendBackHref(search)).toBe("/spend?tz=Asia%2FKolkata&range=last-month&sort=budgetUse");
    expect(spendBackHref("?customer=acme&month=2026-11")).toBe("/spend");
    expect(spendBackHref(`?back=${encodeURIComponent("//evil.example/x?y=1")}`)).toBe("/spend?%2F%2Fevil.example%2Fx%3Fy=1");
  });
});
