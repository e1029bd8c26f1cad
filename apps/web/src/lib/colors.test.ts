import { describe, expect, it } from "vitest";
import { colorScale, PALETTE } from "./colors.ts";

describe("colorScale", () => {
  it("gives a key the same colour whatever subset or order a chart has", () => {
    const a = colorScale(["m-b", "m-a", "m-c"]);
    const b = colorScale(["m-c", "m-a", "m-b"]);
    expect(a("m-b")).toBe(b("m-b"));
    expect(new Set(["m-a", "m-b", "m-c"].map(a)).size).toBe(3);
    expect(PALETTE).toContain(a("unknown-key"));
  });
});
