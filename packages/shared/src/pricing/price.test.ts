import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { MAX_PRICE_MICROS_PER_MTOK } from "../schemas/analytics.ts";
import { MAX_COST_MICROS, type PriceOverride, priceUsage, toMicros } from "./price.ts";
import { normalizeUsage, UsageError } from "./usage.ts";

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
    // gpt-4o: $2.50/Mtok uncached input, $1.25 cached, $10 output. In tenths of a micro-dollar, exactly:
    // 23,457 × 25 + 100,000 × 12.5 + 9,876 × 100 = 2,824,025, i.e. 282,402.5 micro-USD: the half rounds up.
    expect(Math.abs(ref!.total_price * 1e6 - 282_402.5)).toBeLessThan(1e-6);
    expect(p.costMicros).toBe(282_403);
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

  it("rounds to whole micro-dollars, an exact half away from zero whatever the float noise", () => {
    expect(toMicros(0.0000015)).toBe(2);
    expect(toMicros(1.2345674)).toBe(1_234_567);
    // 1,010 × 0.15 + 140 × 0.60 = 235.5 micro-USD exactly; summed as floats it is 235.49999999999997.
    expect((1010 * 0.15) / 1e6 + (140 * 0.6) / 1e6).toBeLessThan(0.0002355);
    expect(toMicros((1010 * 0.15) / 1e6 + (140 * 0.6) / 1e6)).toBe(236);
    expect(toMicros(-0.0000025)).toBe(-3);
    expect(toMicros(0.0000024999)).toBe(2);
    expect(toMicros(12_345.6789995)).toBe(12_345_679_000);
  });

  it("rounds a large line's exact half up too (15 significant digits: fewer decimals as the integer part grows)", () => {
    // gpt-4o-mini ($0.15 / $0.60 per Mtok), by integers: 763,184,086 × 15 + 7,746,547,626 × 60 hundredths of a micro-dollar.
    const hundredths = 763_184_086n * 15n + 7_746_547_626n * 60n;
    expect(hundredths % 100n).toBe(50n);
    const expected = Number(hundredths / 100n) + 1;
    expect(expected).toBe(4_762_406_189);
    const p = priceUsage(usage(763_184_086, 7_746_547_626), "gpt-4o-mini", "openai", Date.UTC(2026, 0, 1), []);
    expect(p.costMicros).toBe(expected);
    // A sweep of large lines against integer arithmetic: every total exact, halves rounded up.
    let seed = 7;
    const next = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed;
    };
    for (let i = 0; i < 2_000; i++) {
      const input = next() * 4 + (next() % 4);
      const output = next() * 4 + (next() % 4);
      const h = BigInt(input) * 15n + BigInt(output) * 60n;
      const want = Number(h / 100n) + (h % 100n >= 50n ? 1 : 0);
      expect(priceUsage(usage(input, output), "gpt-4o-mini", "openai", Date.UTC(2026, 0, 1), []).costMicros, `${input} / ${output}`).toBe(want);
    }
  });

  it("prices a line whose exact cost is a half micro-dollar as the half rounded up", () => {
    // gpt-4o-mini: $0.15/Mtok input, $0.60 output. 1,010 × 0.15 = 151.5 and 140 × 0.60 = 84: 235.5 micro-USD.
    const p = priceUsage(usage(1010, 140), "gpt-4o-mini", "openai", Date.UTC(2026, 0, 1), []);
    expect(p.costMicros).toBe(236);
    expect(p.inputCostMicros).toBe(152);
    expect(p.outputCostMicros).toBe(84);
  });
});

describe("normalizeUsage", () => {
  it("keeps explicit counts in genai-prices' convention", () => {
    const u = normalizeUsage({ model: "x", promptTokens: 10, completionTokens: 5, cachedTokens: 4, reasoningTokens: 2 });
    expect(u).toMatchObject({ input_tokens: 10, output_tokens: 5, cache_read_tokens: 4, cache_write_tokens: 0, reasoning_tokens: 2 });
    // Every other unit is present and 0.
    expect(Object.values(u).reduce((a, b) => a + b, 0)).toBe(21);
  });

  it("reads a Google usageMetadata object through the provider's extractor", () => {
    const u = normalizeUsage({ model: "gemini-2.5-flash", provider: "google", usage: { promptTokenCount: 100, candidatesTokenCount: 20 } });
    expect(u.input_tokens).toBe(100);
  });
});

describe("bounds that keep money exact", () => {
  it("refuses raw counts that are fractional or beyond 1e12, naming the raw field", () => {
    const raw = (usage: Record<string, unknown>) => () => normalizeUsage({ model: "gpt-4o", provider: "openai", usage });
    expect(raw({ prompt_tokens: 1e300, completion_tokens: 1 })).toThrow(/usage\.prompt_tokens: must be an integer between 0 and 1e12/);
    expect(raw({ prompt_tokens: 1, completion_tokens: 0.5 })).toThrow(/usage\.completion_tokens/);
    expect(raw({ prompt_tokens: 5, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 6 } })).toThrow(UsageError);
    expect(raw({ prompt_tokens: 5, completion_tokens: 1, queue_time: 0.25 })).not.toThrow();
  });

  it("priceUsage refuses counts out of bounds from any caller (the judge's usage too)", () => {
    expect(() => priceUsage(usage(1e300, 1), "gpt-4o", "openai", 0, [])).toThrow(/input_tokens .* must be an integer/);
    expect(() => priceUsage(usage(10.5, 1), "no-such-model-x", undefined, 0, [])).toThrow(UsageError);
    expect(() => priceUsage(usage(10, 1, 11), "gpt-4o", "openai", 0, [])).toThrow(/cannot exceed/);
  });

  it("refuses a normalised sum beyond 1e12", () => {
    const usage = { input_tokens: 1e12, output_tokens: 1, cache_creation_input_tokens: 1 };
    expect(() => normalizeUsage({ model: "claude-sonnet-4-20250514", provider: "anthropic", usage })).toThrow(/input_tokens .* must be an integer/);
  });

  it("the dearest allowed line is an exact integer; a price above the bound is refused, not stored", () => {
    const max = usage(1e12, 1e12);
    const top = override({ input_micros_per_mtok: MAX_PRICE_MICROS_PER_MTOK, output_micros_per_mtok: MAX_PRICE_MICROS_PER_MTOK });
    const p = priceUsage(max, "m", undefined, 0, [top]);
    // 1e12 tokens × 1e9 micro-USD per 1e6 tokens, in and out: 2 × 1e15.
    expect(p.costMicros).toBe(2e15);
    expect(p.costMicros).toBe(MAX_COST_MICROS);
    expect(Number.isSafeInteger(p.costMicros)).toBe(true);
    const tooDear = override({ input_micros_per_mtok: 1e15 });
    expect(() => priceUsage(max, "m", undefined, 0, [tooDear])).toThrow(/costMicros: .* is outside 0…2000000000000000/);
  });
});
