import { describe, expect, it } from "vitest";
import { httpStatusOf, isForbidden, isSignedOut, safeNext, signInPath } from "./auth-redirect.ts";

describe("safeNext", () => {
  it("keeps a path on this site, with its query and hash", () => {
    expect(safeNext("/spend")).toBe("/spend");
    expect(safeNext("/spend?range=7d&tz=UTC")).toBe("/spend?range=7d&tz=UTC");
    expect(safeNext("/runs/abc#scores")).toBe("/runs/abc#scores");
  });

  it("refuses other sites, however written", () => {
    for (const bad of [
      "//evil.example",
      "//evil.example/spend",
      "/\\evil.example",
      "https://evil.example/",
      "http://127.0.0.1:3000/spend",
      "javascript:alert(1)",
      "evil.example",
      "spend",
      "/\t/evil.example",
      "/\n/evil.example",
      "",
      null,
      undefined,
    ]) {
      expect(safeNext(bad), String(bad)).toBe("/");
    }
  });

  it("does not come back to the sign-in or setup page", () => {
    expect(safeNext("/sign-in?next=/spend")).toBe("/");
    expect(safeNext("/setup?token=x")).toBe("/");
  });
});

describe("signInPath", () => {
  it("carries the current path and query in next, encoded", () => {
    expect(signInPath("/spend")).toBe("/sign-in?next=%2Fspend");
    expect(signInPath("/spend?range=7d&tz=UTC")).toBe("/sign-in?next=%2Fspend%3Frange%3D7d%26tz%3DUTC");
    expect(new URLSearchParams(signInPath("/spend?range=7d&tz=UTC").split("?")[1]).get("next")).toBe("/spend?range=7d&tz=UTC");
  });

  it("leaves next out for the overview", () => {
    expect(signInPath("/")).toBe("/sign-in");
  });
});

describe("http status of a failed call", () => {
  it("reads tRPC's data.httpStatus", () => {
    expect(httpStatusOf({ data: { httpStatus: 401 } })).toBe(401);
    expect(isSignedOut({ data: { httpStatus: 401 } })).toBe(true);
    expect(isForbidden({ data: { httpStatus: 403 } })).toBe(true);
    expect(isSignedOut({ data: { httpStatus: 403 } })).toBe(false);
    expect(httpStatusOf(new TypeError("Failed to fetch"))).toBeUndefined();
    expect(httpStatusOf(null)).toBeUndefined();
  });
});
