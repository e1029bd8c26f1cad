import { describe, expect, it } from "vitest";
import { jobPollInterval, jobProgress, moneyWithUnpriced, pricingHref, readScope, scopeForOverride, scopeText, signedMoney } from "./reprice.ts";

const MAR_1_UTC = Date.UTC(2026, 2, 1);

describe("repricing helpers", () => {
  it("links to Settings with the model in the add form, escaped", () => {
    expect(pricingHref("acme-support-ft-v2")).toBe("/settings?priceModel=acme-support-ft-v2#prices");
    expect(pricingHref("a b/c&d")).toBe("/settings?priceModel=a+b%2Fc%26d#prices");
    // The page's filters stay (the zone the price's date is read in); a stale priceModel is replaced.
    expect(pricingHref("m", "?tz=Asia%2FKolkata&range=30d&priceModel=old")).toBe("/settings?tz=Asia%2FKolkata&range=30d&priceModel=m#prices");
    expect(new URLSearchParams(pricingHref("a b/c&d").slice(10, -7)).get("priceModel")).toBe("a b/c&d");
  });

  it("scopes an override's repricing to its model, its provider when named, from its date", () => {
    expect(scopeForOverride({ model: "acme", provider: "", effectiveFrom: MAR_1_UTC })).toEqual({ model: "acme", from: MAR_1_UTC });
    expect(scopeForOverride({ model: "gpt-4o", provider: "openai", effectiveFrom: 5 })).toEqual({ model: "gpt-4o", provider: "openai", from: 5 });
  });

  it("reads scopes for people, in the zone asked", () => {
    expect(scopeText({ model: "acme", from: MAR_1_UTC }, "UTC", "en-US")).toBe("acme from Mar 1, 2026");
    // Midnight UTC on Mar 1 is still Feb 28 in New York.
    expect(scopeText({ model: "acme", from: MAR_1_UTC }, "America/New_York", "en-US")).toBe("acme from Feb 28, 2026");
    expect(scopeText({ model: "gpt-4o", provider: "openai" }, "UTC", "en-US")).toBe("gpt-4o (openai), all time");
    expect(scopeText({ model: "m", from: MAR_1_UTC, to: Date.UTC(2026, 3, 1) }, "UTC", "en-US")).toBe("m from Mar 1, 2026 to Apr 1, 2026");
    expect(scopeText({ model: "m", to: MAR_1_UTC }, "UTC", "en-US")).toBe("m before Mar 1, 2026");
  });

  it("reads a stored scope as JSON or object, and keeps what it cannot read as text", () => {
    expect(readScope('{"model":"acme","from":5}')).toEqual({ model: "acme", from: 5 });
    expect(readScope({ model: "acme", provider: "", to: 9 })).toEqual({ model: "acme", to: 9 });
    expect(readScope("not json")).toBe("not json");
    expect(readScope({ nope: 1 })).toBe('{"nope":1}');
  });

  it("signs money changes and never shows an unknown difference as $0", () => {
    expect(signedMoney(1_200_000, "en-US")).toBe("+$1.20");
    expect(signedMoney(-30_000, "en-US")).toBe("−$0.03");
    expect(signedMoney(0, "en-US")).toBe("±$0.00");
    expect(signedMoney(null, "en-US")).toBe("—");
    expect(moneyWithUnpriced(null, 3, "en-US")).toBe("unpriced (3 lines)");
    expect(moneyWithUnpriced(null, 1, "en-US")).toBe("unpriced (1 line)");
    expect(moneyWithUnpriced(null, 0, "en-US")).toBe("—");
    expect(moneyWithUnpriced(1_500_000, 2, "en-US")).toBe("$1.50 + 2 unpriced");
    expect(moneyWithUnpriced(1_500_000, 0, "en-US")).toBe("$1.50");
  });

  it("shows a job's progress and polls only while it runs", () => {
    expect(jobProgress({ status: "pending", linesTotal: 0, linesDone: 0 }, "en-US")).toEqual({ fraction: 0, text: "Waiting to start", active: true });
    expect(jobProgress({ status: "running", linesTotal: 2000, linesDone: 500 }, "en-US")).toEqual({ fraction: 0.25, text: "Repricing: 500 of 2,000 lines", active: true });
    expect(jobProgress({ status: "done", linesTotal: 0, linesDone: 0 }, "en-US")).toEqual({ fraction: 1, text: "Done: 0 of 0 lines", active: false });
    expect(jobProgress({ status: "failed", linesTotal: 10, linesDone: 4 }, "en-US")).toEqual({ fraction: 0.4, text: "Failed after 4 of 10 lines", active: false });
    expect([jobPollInterval("pending"), jobPollInterval("running"), jobPollInterval(undefined), jobPollInterval("done"), jobPollInterval("failed")]).toEqual([1000, 1000, 1000, false, false]);
  });
});
