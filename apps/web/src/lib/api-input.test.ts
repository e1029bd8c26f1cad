import { describe, expect, it } from "vitest";
import { aggregateInput, exportHref, runsInput } from "./api-input.ts";
import { parseFilters } from "./filters.ts";

const w = { from: 1000, to: 2000 };

describe("API inputs from the URL", () => {
  it("maps every filter (function and promoted tag too) to an aggregate input, and runs get the same", () => {
    const f = parseFilters("model=gpt-4o&customer=acme&fn=handle&tag=plan:pro&tz=Asia/Tokyo", "UTC");
    const input = { from: 1000, to: 2000, timeZone: "Asia/Tokyo", models: ["gpt-4o"], customerIds: ["acme"], functionSlugs: ["handle"], tags: { plan: "pro" } };
    expect(aggregateInput(f, w)).toEqual(input);
    expect(runsInput(f, w, new URLSearchParams())).toMatchObject({ ...input, limit: 50 });
  });

  it("adds a score range only with a score name and valid bounds", () => {
    const f = parseFilters("", "UTC");
    expect(runsInput(f, w, new URLSearchParams("score=tone&min=0.5&max=0.75"))).toMatchObject({ scoreName: "tone", scoreMin: 0.5, scoreMax: 0.75 });
    const bad = runsInput(f, w, new URLSearchParams("min=0.5&max=7"));
    expect(bad.scoreMin).toBeUndefined();
    expect(runsInput(f, w, new URLSearchParams("score=tone&max=7")).scoreMax).toBeUndefined();
    expect(runsInput(f, w, new URLSearchParams("cursor=abc")).cursor).toBe("abc");
  });

  it("builds export addresses with the tRPC input and the export's options, empty options left out", () => {
    const decode = (href: string) => Object.fromEntries([...new URL(href, "http://x").searchParams].map(([k, v]) => [k, JSON.parse(v)]));
    expect(decode(exportHref("spend-by-customer", { from: 1, to: 2 }, { search: "glob", budgetPeriod: { from: 0, to: 5 } }))).toEqual({
      input: { from: 1, to: 2 },
      options: { search: "glob", budgetPeriod: { from: 0, to: 5 } },
    });
    expect(exportHref("runs", { from: 1 }, { search: "" })).toBe(`/api/export/runs.csv?input=${encodeURIComponent('{"from":1}')}`);
  });
});
