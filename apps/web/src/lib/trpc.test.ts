import { describe, expect, it } from "vitest";
import { shouldRetry } from "./trpc.ts";

describe("shouldRetry", () => {
  it("asks once more after a failure, but not after a 401 or a 403", () => {
    expect(shouldRetry(0, new TypeError("Failed to fetch"))).toBe(true);
    expect(shouldRetry(0, { data: { httpStatus: 500 } })).toBe(true);
    expect(shouldRetry(1, { data: { httpStatus: 500 } })).toBe(false);
    expect(shouldRetry(0, { data: { httpStatus: 401 } })).toBe(false);
    expect(shouldRetry(0, { data: { httpStatus: 403 } })).toBe(false);
  });
});
