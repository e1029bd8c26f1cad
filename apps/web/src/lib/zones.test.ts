import { describe, expect, it } from "vitest";
import { COMMON_ZONES, zoneOptions } from "./zones.ts";

describe("zoneOptions", () => {
  it("lists the team's zones first, then the rest once each", () => {
    const out = zoneOptions("UTC", COMMON_ZONES, ["Asia/Kolkata", "Europe/Berlin"]);
    expect(out.slice(0, 3)).toEqual(["Asia/Kolkata", "Europe/Berlin", "UTC"]);
    expect(out.filter((z) => z === "Asia/Kolkata")).toHaveLength(1);
    expect(out).toHaveLength(COMMON_ZONES.length + 1);
  });

  it("always offers the current zone, first when no list has it", () => {
    expect(zoneOptions("Pacific/Chatham", COMMON_ZONES, [])[0]).toBe("Pacific/Chatham");
    expect(zoneOptions("Europe/Berlin", COMMON_ZONES, ["Europe/Berlin"])).toEqual(["Europe/Berlin", ...COMMON_ZONES]);
  });
});
