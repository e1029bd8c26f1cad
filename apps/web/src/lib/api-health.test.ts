import { describe, expect, it } from "vitest";
import { apiHealth, isOutage } from "./api-health.ts";

describe("apiHealth", () => {
  it("counts a failure with no HTTP answer, or a proxy's 502/503/504, as an outage; an API error is not one", () => {
    expect(isOutage(new TypeError("Failed to fetch"))).toBe(true);
    expect(isOutage({ message: "Unexpected end of JSON input", data: undefined })).toBe(true);
    expect(isOutage({ data: { httpStatus: 503 } })).toBe(true);
    expect(isOutage({ data: { httpStatus: 400 } })).toBe(false);
    expect(isOutage({ data: { httpStatus: 500 } })).toBe(false);
    // Signed out, or a role without the capability: the API answered.
    expect(isOutage({ data: { httpStatus: 401 } })).toBe(false);
    expect(isOutage({ data: { httpStatus: 403 } })).toBe(false);
  });

  it("goes offline on an outage, keeps when the API last answered, and is back on the next answer", () => {
    const seen: boolean[] = [];
    const stop = apiHealth.subscribe(() => seen.push(apiHealth.get().offline));
    apiHealth.answered(1_000);
    apiHealth.answered(2_000);
    apiHealth.failed({ data: { httpStatus: 400 } });
    expect(apiHealth.get()).toEqual({ offline: false, since: null });
    apiHealth.failed(new TypeError("Failed to fetch"));
    apiHealth.failed(new TypeError("Failed to fetch"));
    expect(apiHealth.get()).toEqual({ offline: true, since: 2_000 });
    apiHealth.answered(3_000);
    expect(apiHealth.get()).toEqual({ offline: false, since: null });
    expect(seen).toEqual([true, false]); // listeners hear changes of state only
    stop();
  });
});
