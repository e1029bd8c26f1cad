import { describe, expect, it } from "vitest";
import { rememberDrill, viewToRestore } from "./return-view.ts";

const memory = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};

describe("return to the Quality view a trend point drilled from", () => {
  const origin = "?range=90d&tz=UTC&score=accuracy";
  const runs = "/runs?score=accuracy&min=0&max=1&sort=score-asc&range=custom&from=1000&to=2000&tz=UTC";

  it("restores the 90-day view when Quality reopens with the drill-down's one-bucket filters", () => {
    const s = memory();
    rememberDrill(s, runs, origin);
    expect(viewToRestore(s, "?range=custom&from=1000&to=2000&tz=UTC")).toBe(origin);
  });

  it("keeps filters the user changed on Runs, and does nothing without a drill-down or on bad storage", () => {
    const s = memory();
    expect(viewToRestore(s, "?range=custom&from=1000&to=2000&tz=UTC")).toBeNull();
    rememberDrill(s, runs, origin);
    expect(viewToRestore(s, "?range=custom&from=1000&to=3000&tz=UTC")).toBeNull();
    expect(viewToRestore(s, origin)).toBeNull();
    s.setItem("tally.quality.drill", "{not json");
    expect(viewToRestore(s, "?range=custom&from=1000&to=2000&tz=UTC")).toBeNull();
  });
});
