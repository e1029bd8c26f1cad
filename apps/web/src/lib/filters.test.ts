import { describe, expect, it } from "vitest";
import { filterQuery, hrefWith, narrowTo, parseFilters, previousWindow, resolveWindow, writeFilters } from "./filters.ts";

const TZ = "Europe/Paris";

describe("URL filter state", () => {
  it("defaults to the last 7 days in the viewer's zone with no filters", () => {
    expect(parseFilters("", TZ)).toEqual({ range: "7d", from: null, to: null, tz: TZ, model: null, customer: null, fn: null, tag: null });
  });

  it("round-trips every filter through the query string", () => {
    const f = { range: "custom" as const, from: 1000, to: 5000, tz: "Asia/Kolkata", model: "gpt-4o", customer: "acme", fn: "handle-ticket", tag: { key: "plan", value: "pro:annual" } };
    const qs = writeFilters(f).toString();
    expect(qs).toBe("range=custom&from=1000&to=5000&tz=Asia%2FKolkata&model=gpt-4o&customer=acme&fn=handle-ticket&tag=plan%3Apro%3Aannual");
    expect(parseFilters(qs, TZ)).toEqual(f);
  });

  it("omits the default range, and always writes the zone so a shared link shows the sender's days", () => {
    expect(writeFilters(parseFilters("range=7d", TZ)).toString()).toBe("tz=Europe%2FParis");
    expect(writeFilters(parseFilters("range=30d", TZ)).toString()).toBe("range=30d&tz=Europe%2FParis");
  });

  it("keeps the unattributed customer and the unknown model as filters", () => {
    const f = parseFilters("customer=&model=", TZ);
    expect(f).toMatchObject({ customer: "", model: "" });
    expect(writeFilters(f).toString()).toBe("tz=Europe%2FParis&model=&customer=");
    expect(parseFilters("customer=%20", TZ).customer).toBeNull();
  });

  it("reads a tag filter as key:value at the first colon (an empty value: untagged runs), and nothing else", () => {
    expect(parseFilters("tag=plan:", TZ).tag).toEqual({ key: "plan", value: "" });
    expect(parseFilters("tag=env:a:b", TZ).tag).toEqual({ key: "env", value: "a:b" });
    for (const bad of ["tag=plan", "tag=:pro", "tag=%20:pro", "tag="]) expect(parseFilters(bad, TZ).tag).toBeNull();
  });

  it("keeps page parameters and replaces filter ones", () => {
    const base = new URLSearchParams("page=3&sort=spend&model=old");
    const out = writeFilters({ ...parseFilters("", TZ), model: "new" }, base);
    expect(out.get("page")).toBe("3");
    expect(out.get("sort")).toBe("spend");
    expect(out.getAll("model")).toEqual(["new"]);
  });

  it("rejects invalid values instead of failing", () => {
    const f = parseFilters("range=bogus&tz=Not/AZone&from=abc&to=12&model=%20%20", TZ);
    expect(f).toMatchObject({ range: "7d", tz: TZ, from: null, to: null, model: null });
    expect(parseFilters("range=custom&from=9&to=3", TZ).range).toBe("7d");
    expect(parseFilters("from=3&to=9", TZ)).toMatchObject({ range: "custom", from: 3, to: 9 });
  });

  it("resolves presets to a window ending at the next whole minute", () => {
    const now = Date.UTC(2026, 10, 22, 10, 30, 15);
    const w = resolveWindow(parseFilters("range=24h", TZ), now);
    expect(w.to).toBe(Date.UTC(2026, 10, 22, 10, 31));
    expect(w.to - w.from).toBe(86_400_000);
    expect(resolveWindow(parseFilters("range=24h", TZ), now + 20_000)).toEqual(w);
    expect(previousWindow(w)).toEqual({ from: w.from - 86_400_000, to: w.from });
  });

  it("narrows to a bucket and builds drill-down links that keep the filters", () => {
    const f = { ...parseFilters("customer=acme&tz=UTC", TZ), model: "m1" };
    const href = hrefWith("/runs", narrowTo(f, 100, 200), { score: "accuracy", page: null });
    expect(href).toBe("/runs?score=accuracy&range=custom&from=100&to=200&tz=UTC&model=m1&customer=acme");
    expect(filterQuery("?page=2&model=m1&q=x", TZ)).toBe("?tz=Europe%2FParis&model=m1");
  });
});

describe("bucket unit", () => {
  it("uses hours up to three days and days beyond", async () => {
    const { pickBucket } = await import("./filters.ts");
    expect(pickBucket({ from: 0, to: 86_400_000 })).toBe("hour");
    expect(pickBucket({ from: 0, to: 7 * 86_400_000 })).toBe("day");
    expect(pickBucket({ from: 0, to: 90 * 86_400_000 })).toBe("day");
    expect(pickBucket({ from: 0, to: 365 * 86_400_000 })).toBe("week");
  });
});
