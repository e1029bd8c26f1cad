import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { type PriceOverride, priceUsage, toMicros } from "./price.ts";
import { normalizeUsage } from "./usage.ts";

const usage = (input: number, output: number, cacheRead = 0) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_tokens: cacheRead,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
});
const override = (o: Partial<PriceOverride>): PriceOverride => ({
  model: "m",
  provider: "",
  input_micros_per_mtok: 1_000_000,
  output_micros_per_mtok: 1_000_000,
  cache_read_micros_per_mtok: null,
  cache_write_micros_per_mtok: null,
  effective_from: 0,
  ...o,
});

describe("priceUsage", () => {
  it("matches genai-prices to the micro-dollar for catalog models", () => {
    const at = Date.UTC(2026, 0, 1);
    const p = priceUsage(usage(123_457, 9_876, 100_000), "gpt-4o", "openai", at, []);
    const ref = calcPrice({ input_tokens: 123_457, output_tokens: 9_876, cache_read_tokens: 100_000 }, "gpt-4o", { providerId: "openai", timestamp: new Date(at) });
    expect(p.costMicros).toBe(Math.round(ref!.total_price * 1e6));
    expect(p.inputCostMicros! + p.outputCostMicros!).toBeGreaterThanOrEqual(p.costMicros! - 1);
  });

  it("returns null cost for an unknown model", () => {
    expect(priceUsage(usage(10, 10), "no-such-model-x", undefined, 0, [])).toEqual({
      provider: "",
      costMicros: null,
      inputCostMicros: null,
      outputCostMicros: null,
      priceSource: "unpriced",
    });
  });

  it("picks the newest override in force, provider-specific over generic at the same date", () => {
    const list = [
      override({ effective_from: 100, input_micros_per_mtok: 1_000_000 }),
      override({ effective_from: 200, input_micros_per_mtok: 2_000_000 }),
      override({ effective_from: 200, provider: "acme", input_micros_per_mtok: 3_000_000 }),
      override({ effective_from: 300, input_micros_per_mtok: 4_000_000 }),
    ];
    const cost = (provider: string | undefined, at: number) => priceUsage(usage(1_000_000, 0), "m", provider, at, list).costMicros;
    expect(cost(undefined, 99)).toBeNull();
    expect(cost(undefined, 150)).toBe(1_000_000);
    expect(cost(undefined, 250)).toBe(2_000_000);
    expect(cost("acme", 250)).toBe(3_000_000);
    expect(cost("other", 250)).toBe(2_000_000);
    expect(cost("acme", 300)).toBe(4_000_000);
  });

  it("rounds to whole micro-dollars", () => {
    expect(toMicros(0.0000015)).toBe(2);
    expect(toMicros(1.2345674)).toBe(1_234_567);
  });
});

describe("normalizeUsage", () => {
  it("keeps explicit counts in genai-prices' convention", () => {
    expect(normalizeUsage({ model: "x", promptTokens: 10, completionTokens: 5, cachedTokens: 4, reasoningTokens: 2 })).toEqual({
      input_tokens: 10,
      output_tokens: 5,
      cache_read_tokens: 4,
      cache_write_tokens: 0,
      reasoning_tokens: 2,
    });
  });

  it("reads a Google usageMetadata object through the provider's extractor", () => {
    const u = normalizeUsage({ model: "gemini-2.5-flash", provider: "google", usage: { promptTokenCount: 100, candidatesTokenCount: 20 } });
    expect(u.input_tokens).toBe(100);
  });
});
