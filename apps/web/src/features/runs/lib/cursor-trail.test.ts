import { describe, expect, it } from "vitest";
import { currentCursor, nextTrail, prevTrail, readTrail } from "./cursor-trail.ts";

describe("cursor trail in the URL", () => {
  it("walks forward and back through pages", () => {
    const p1 = new URLSearchParams();
    expect(readTrail(p1)).toEqual([]);
    expect(currentCursor(readTrail(p1))).toBeUndefined();
    const p2 = new URLSearchParams({ pages: nextTrail([], "eyJ0IjoxfQ") });
    expect(currentCursor(readTrail(p2))).toBe("eyJ0IjoxfQ");
    const p3 = new URLSearchParams({ pages: nextTrail(readTrail(p2), "abc_-9") });
    expect(readTrail(p3)).toEqual(["eyJ0IjoxfQ", "abc_-9"]);
    expect(prevTrail(readTrail(p3))).toBe("eyJ0IjoxfQ");
    expect(prevTrail(readTrail(p2))).toBeNull();
  });

  it("drops malformed cursors", () => {
    expect(readTrail(new URLSearchParams("pages=ok,%3Cscript%3E,,fine"))).toEqual(["ok", "fine"]);
  });
});
