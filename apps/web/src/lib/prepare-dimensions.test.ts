import { describe, expect, it } from "vitest";
import { parseFilters } from "./filters.ts";
import { availableSplits, drillFilters, groupQuality, meanWithCi, parseSplit, seriesSplit, splitChoices, splitInput, splitParam, valueLabel } from "./prepare-dimensions.ts";

const params = (s: string) => new URLSearchParams(s);

describe("dimension views", () => {
  it("offers By function and By each ready key, but only the filtered one when a function or a tag filters", () => {
    const fn = { dimension: "function" as const };
    const plan = { dimension: "tag" as const, tagKey: "plan" };
    expect(availableSplits({}, ["env", "plan"])).toEqual([fn, { dimension: "tag", tagKey: "env" }, plan]);
    expect(availableSplits({ functionSlugs: ["handle"] }, ["plan"])).toEqual([fn]);
    expect(availableSplits({ tags: { plan: "pro" } }, ["plan"])).toEqual([plan]);
    expect(splitChoices([fn, plan])).toEqual([{ value: "function", label: "By function" }, { value: "tag:plan", label: "By tag: plan" }]);
  });

  it("reads the split from the URL when available, else the first available", () => {
    const all = availableSplits({}, ["plan"]);
    expect(parseSplit(params(""), all)).toEqual({ dimension: "function" });
    expect(parseSplit(params("by=tag:plan"), all)).toEqual({ dimension: "tag", tagKey: "plan" });
    expect(parseSplit(params("by=tag:env"), all)).toEqual({ dimension: "function" });
    expect(parseSplit(params(""), availableSplits({ tags: { plan: "" } }, []))).toEqual({ dimension: "tag", tagKey: "plan" });
    expect(splitParam({ dimension: "tag", tagKey: "plan" })).toBe("tag:plan");
    expect(splitParam({ dimension: "function" })).toBeNull();
  });

  it("asks the API with the same split for the table and the chart", () => {
    const tag = { dimension: "tag" as const, tagKey: "plan" };
    expect(splitInput(tag)).toEqual({ dimension: "tag", tagKey: "plan" });
    expect(seriesSplit(tag)).toEqual({ splitBy: "tag", tagKey: "plan" });
    expect(splitInput({ dimension: "function" })).toEqual({ dimension: "function" });
    expect(seriesSplit({ dimension: "function" })).toEqual({ splitBy: "function" });
  });

  it("names the empty value untagged (tags) or unknown function", () => {
    expect(valueLabel({ dimension: "tag", tagKey: "plan" }, "")).toBe("untagged");
    expect(valueLabel({ dimension: "tag", tagKey: "plan" }, "pro")).toBe("pro");
    expect(valueLabel({ dimension: "function" }, "")).toBe("unknown function");
  });

  it("drills into runs with every other filter kept and the value as the function or tag filter", () => {
    const f = parseFilters("range=30d&model=gpt-4o&customer=acme&tag=env:prod&tz=UTC", "UTC");
    expect(drillFilters(f, { dimension: "function" }, "handle-ticket")).toEqual({ ...f, fn: "handle-ticket" });
    expect(drillFilters(f, { dimension: "tag", tagKey: "plan" }, "")).toEqual({ ...f, tag: { key: "plan", value: "" } });
  });

  it("groups quality rows per score name, best mean first, unscored last", () => {
    const cell = (name: string, value: string, mean: number | null) => ({ name, value, mean, n: mean === null ? 0 : 3, ciLow: null, ciHigh: null });
    const groups = groupQuality([cell("tone", "pro", 0.5), cell("accuracy", "free", null), cell("accuracy", "pro", 0.9), cell("accuracy", "", 0.9)]);
    expect(groups.map((g) => [g.name, g.rows.map((r) => r.value)])).toEqual([
      ["accuracy", ["", "pro", "free"]],
      ["tone", ["pro"]],
    ]);
  });

  it("writes a mean with its 95% interval, without one below n = 2, and a dash when unscored", () => {
    expect(meanWithCi({ mean: 0.8234, ciLow: 0.78, ciHigh: 0.866 })).toBe("0.82 (0.78–0.87)");
    expect(meanWithCi({ mean: 1, ciLow: null, ciHigh: null })).toBe("1.00");
    expect(meanWithCi({ mean: null, ciLow: null, ciHigh: null })).toBe("—");
  });
});
