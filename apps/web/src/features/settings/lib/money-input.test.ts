import { describe, expect, it } from "vitest";
import { microsToUsdInput, parseUsdToMicros } from "./money-input.ts";

describe("dollar inputs", () => {
  it("parses dollars to integer micro-USD without float error", () => {
    expect(parseUsdToMicros("12.5")).toBe(12_500_000);
    expect(parseUsdToMicros("$1,000")).toBe(1_000_000_000);
    expect(parseUsdToMicros("0.000001")).toBe(1);
    expect(parseUsdToMicros("0.29")).toBe(290_000);
    expect(parseUsdToMicros("  ")).toBeNull();
    expect(parseUsdToMicros("-3")).toBeUndefined();
    expect(parseUsdToMicros("1.2345678")).toBeUndefined();
    expect(parseUsdToMicros("abc")).toBeUndefined();
  });

  it("formats micro-USD back for editing", () => {
    expect(microsToUsdInput(12_500_000)).toBe("12.5");
    expect(microsToUsdInput(2_000_000)).toBe("2");
    expect(microsToUsdInput(1)).toBe("0.000001");
    expect(microsToUsdInput(null)).toBe("");
  });
});
