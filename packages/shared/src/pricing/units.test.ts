import { calcPrice, type ModelPrice, waitForUpdate } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { MAX_COST_MICROS, priceUsage } from "./price.ts";
import { ALL_UNITS, MAX_COUNT, MAX_TOKENS } from "./units.ts";
import { checkUsage, fill, normalizeUsage, UsageError } from "./usage.ts";

describe("bounds keep every catalog line an exact integer", () => {
  it("every catalog model, every unit at its bound, costs at most MAX_COST_MICROS (tightest: under 8e14)", async () => {
    const providers = (await waitForUpdate())!;
    const max = (p: ModelPrice[string]) => (typeof p === "number" ? p : p ? Math.max(p.base, ...p.tiers.map((t) => t.price)) : 0);
    let dearest = { micros: 0, model: "" };
    for (const provider of providers) {
      for (const model of provider.models) {
        for (const prices of Array.isArray(model.prices) ? model.prices.map((c) => c.prices) : [model.prices]) {
          // Token leaves of one direction add up to its input/output tokens (≤ 1e12): the dearest rate bounds them.
          let input = 0;
          let output = 0;
          let other = 0;
          for (const [key, price] of Object.entries(prices)) {
            const usd = max(price);
            if (key.endsWith("_mtok")) {
              if (key.startsWith("output_")) output = Math.max(output, usd);
              else input = Math.max(input, usd);
            } else if (key === "requests_kcount") other += usd / 1_000;
            else if (key.endsWith("_kcount") || key.endsWith("_kpages")) other += (MAX_COUNT / 1_000) * usd;
            else if (key.endsWith("_hours")) other += (MAX_COUNT / 3_600) * usd;
            else throw new Error(`unit ${key} of ${provider.id}/${model.id} has no bound here: add it to units.ts`);
          }
          // USD per Mtok × 1e12 tokens = 1e6 USD per Mtok-unit = micro-USD; the other units are in USD.
          const micros = (input + output) * MAX_TOKENS + other * 1e6;
          if (micros > dearest.micros) dearest = { micros, model: `${provider.id}/${model.id}` };
        }
      }
    }
    expect(dearest.micros, dearest.model).toBeLessThan(8e14);
    expect(dearest.micros).toBeLessThanOrEqual(MAX_COST_MICROS);
  });

  it("1e12 web searches would not fit; 1e9, the bound, prices exactly", () => {
    const at = Date.UTC(2026, 5, 1);
    const usage = (web: number) => ({ input_tokens: 1, output_tokens: 1, web_searches: web });
    expect(calcPrice(usage(1e12), "claude-opus-4-1", { providerId: "anthropic", timestamp: new Date(at) })!.total_price * 1e6).toBeGreaterThan(MAX_COST_MICROS);
    const p = priceUsage(fill({ input_tokens: 1, output_tokens: 1, web_searches: MAX_COUNT }), "claude-opus-4-1", "anthropic", at, []);
    expect(p.costMicros).toBe(Math.round(calcPrice(usage(MAX_COUNT), "claude-opus-4-1", { providerId: "anthropic", timestamp: new Date(at) })!.total_price * 1e6));
    expect(() => checkUsage(fill({ input_tokens: 1, output_tokens: 1, web_searches: MAX_COUNT + 1 }))).toThrow(/web_searches .*between 0 and 1e9/);
  });
});

describe("rate keys", () => {
  it("each unit's rateKey is the ModelPrice key genai-prices prices it with", () => {
    const byColumn = new Map(ALL_UNITS.map((u) => [u.column, u]));
    for (const unit of ALL_UNITS) {
      const wholes = unit.partOf.map((c) => byColumn.get(c)!);
      // The unit's own rate (its wholes at $0, as genai-prices wants every ancestor priced): a wrong key is
      // ignored by calcPrice ("Unsupported price key"), so the unit would cost nothing.
      const prices = { ...Object.fromEntries(wholes.map((w) => [w.rateKey, 0])), [unit.rateKey]: 1_000 };
      const usage = Object.fromEntries([unit, ...wholes].map((u) => [u.priceKey, 3_600]));
      const provider = { id: "t", name: "t", api_pattern: ".*", models: [{ id: "m", match: { equals: "m" }, prices }] };
      expect(calcPrice(usage, "m", { provider })!.total_price, unit.column).toBeGreaterThan(0);
    }
  });
});

describe("part ≤ whole, as genai-prices splits a price into leaves", () => {
  const bad = (counts: Record<string, number>, text: RegExp) => expect(() => checkUsage(fill(counts))).toThrow(text);
  it("refuses each part larger than its whole, and modalities that add up beyond the prompt", () => {
    bad({ input_tokens: 10, output_tokens: 0, input_audio_tokens: 11 }, /input_audio_tokens .* cannot exceed its 10/);
    bad({ input_tokens: 10, output_tokens: 0, input_audio_tokens: 6, input_image_tokens: 5 }, /cannot exceed its 10/);
    bad({ input_tokens: 10, output_tokens: 0, cache_read_tokens: 5, input_audio_tokens: 8, cache_audio_read_tokens: 2 }, /counted twice/);
    bad({ input_tokens: 10, output_tokens: 0, cache_write_tokens: 2, cache_write_1h_tokens: 3 }, /cache_write_1h_tokens .* cache_write_tokens/);
    bad({ input_tokens: 0, output_tokens: 10, reasoning_tokens: 6, output_citation_tokens: 5 }, /cannot exceed its 10/);
    bad({ input_tokens: 0, output_tokens: 0, audio_seconds: 5, input_audio_seconds: 6 }, /input_audio_seconds/);
    // Cached audio is audio AND a cache read: counted once in the uncached remainder.
    expect(checkUsage(fill({ input_tokens: 10, output_tokens: 0, cache_read_tokens: 5, input_audio_tokens: 7, cache_audio_read_tokens: 2 }))).toBeTruthy();
    expect(() => checkUsage({ ...fill({ input_tokens: 1, output_tokens: 1 }), bogus_tokens: 1 } as never)).toThrow(UsageError);
  });
});

describe("raw usage is read with the flavour that fits its fields", () => {
  it("xAI chat usage: cached and reasoning tokens read (the legacy flavour would drop both)", () => {
    const u = normalizeUsage({ model: "grok-4-0709", usage: { prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 30 } } });
    expect(u).toMatchObject({ input_tokens: 100, cache_read_tokens: 40, output_tokens: 40, reasoning_tokens: 30 });
    // The legacy shape still reads as legacy.
    const legacy = normalizeUsage({ model: "grok-3-mini", usage: { prompt_tokens: 100, completion_tokens: 10, reasoning_tokens: 30, cached_prompt_text_tokens: 40 } });
    expect(legacy).toMatchObject({ input_tokens: 100, cache_read_tokens: 40, output_tokens: 40, reasoning_tokens: 30 });
  });
  it("OpenAI Realtime usage keeps cached and audio tokens; the same fields in either order give the same reading", () => {
    const realtime = { input_tokens: 60, output_tokens: 15, input_token_details: { audio_tokens: 45, cached_tokens: 25, cached_tokens_details: { audio_tokens: 18 } }, output_token_details: { audio_tokens: 12 } };
    const u = normalizeUsage({ model: "gpt-realtime", usage: realtime });
    expect(u).toMatchObject({ input_tokens: 60, cache_read_tokens: 25, input_audio_tokens: 45, cache_audio_read_tokens: 18, output_audio_tokens: 12 });
    const reversed = Object.fromEntries(Object.entries(realtime).reverse());
    expect(normalizeUsage({ model: "gpt-realtime", usage: reversed })).toEqual(u);
  });
  it("Cloudflare chat usage keeps its cached tokens", () => {
    const u = normalizeUsage({ model: "@cf/moonshotai/kimi-k2.6", provider: "cloudflare", usage: { prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 80 } } });
    expect(u).toMatchObject({ input_tokens: 100, cache_read_tokens: 80 });
  });
});
