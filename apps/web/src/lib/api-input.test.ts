import { describe, expect, it } from "vitest";
import { aggregateInput, exportHref, functionForRunsOnly, runsInput } from "./api-input.ts";
import { parseFilters } from "./filters.ts";

const w = { from: 1000, to: 2000 };

describe("API inputs from the URL", () => {
  it("maps every filter to an aggregate input: a function or a promoted tag (the tag when both), and runs get both", () => {
    const base = { from: 1000, to: 2000, timeZone: "Asia/Tokyo", models: ["gpt-4o"], customerIds: ["acme"] };
    const fn = parseFilters("model=gpt-4o&customer=acme&fn=handle&tz=Asia/Tokyo", "UTC");
    expect(aggregateInput(fn, w)).toEqual({ ...base, functionSlugs: ["handle"] });
    expect(functionForRunsOnly(fn)).toBe(false);
    const both = parseFilters("model=gpt-4o&customer=acme&fn=handle&tag=plan:pro&tz=Asia/Tokyo", "UTC");
    expect(aggregateInput(both, w)).toEqual({ ...base, tags: { plan: "pro" } });
    expect(functionForRunsOnly(both)).toBe(true);
    // Runs read the window as the aggregates do: whole quarters of an hour ([0, 15 min) holds 1000–2000 ms).
    expect(runsInput(both, w, new URLSearchParams())).toEqual({ ...base, from: 0, to: 900_000, tags: { plan: "pro" }, functionSlugs: ["handle"], limit: 50 });
  });

  it("widens the Runs window to whole quarters of an hour, as the Overview's counts read it; bucket bounds stay", () => {
    const f = parseFilters("", "UTC");
    const at = (h: number, m: number, s = 0) => Date.UTC(2026, 11, 6, h, m, s);
    expect(runsInput(f, { from: at(16, 33, 4), to: at(17, 2) }, new URLSearchParams())).toMatchObject({ from: at(16, 30), to: at(17, 15) });
    expect(runsInput(f, { from: at(16, 30), to: at(17, 0) }, new URLSearchParams())).toMatchObject({ from: at(16, 30), to: at(17, 0) });
  });

  it("adds a score range only with a score name and valid bounds", () => {
    const f = parseFilters("", "UTC");
    expect(runsInput(f, w, new URLSearchParams("score=tone&min=0.5&max=0.75"))).toMatchObject({ scoreName: "tone", scoreMin: 0.5, scoreMax: 0.75 });
    const bad = runsInput(f, w, new URLSearchParams("min=0.5&max=7"));
    expect(bad.scoreMin).toBeUndefined();
    expect(runsInput(f, w, new URLSearchParams("score=tone&max=7")).scoreMax).toBeUndefined();
    expect(runsInput(f, w, new URLSearchParams("cursor=abc")).cursor).toBe("abc");
  });

  it("asks for the runs behind a spend figure only with basis=spend", () => {
    const f = parseFilters("", "UTC");
    expect(runsInput(f, w, new URLSearchParams("basis=spend")).basis).toBe("spend");
    expect(runsInput(f, w, new URLSearchParams("basis=run")).basis).toBeUndefined();
    expect(runsInput(f, w, new URLSearchParams("basis=lines")).basis).toBeUndefined();
    expect("basis" in runsInput(f, w, new URLSearchParams())).toBe(false);
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
