import { calcPrice } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARENT, startTally, type Tally } from "./harness.ts";
import { micros } from "./micros.ts";

// Cost must equal genai-prices to the micro-dollar; the expected usage is spelled out by hand here,
// independently of the extractors the production code uses.
describe("track-ai-costs prices usage", () => {
  let tally: Tally;
  let n = 0;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  const at = Date.UTC(2026, 5, 1, 12);
  async function track(input: Record<string, unknown>) {
    const runId = `cost-${++n}`;
    const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input: { customerId: "acme", ...input } }, { ...PARENT, runId: `parent-${n}` }, { runId, ts: at });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    return tally.db.selectFrom("usage_costs").selectAll().where("deferred_run_id", "=", runId).executeTakeFirstOrThrow();
  }

  it("OpenAI-style raw usage: cached tokens counted inside the prompt", async () => {
    const row = await track({
      model: "gpt-4o",
      provider: "openai",
      usage: { prompt_tokens: 52_000, completion_tokens: 3_100, prompt_tokens_details: { cached_tokens: 40_000 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    const expected = calcPrice({ input_tokens: 52_000, cache_read_tokens: 40_000, output_tokens: 3_100 }, "gpt-4o", { providerId: "openai", timestamp: new Date(at) });
    expect(row.cost_micros).toBe(micros(expected!.total_price));
    expect(row).toMatchObject({ input_tokens: 52_000, cache_read_tokens: 40_000, output_tokens: 3_100, provider: "openai" });
    // Cached tokens are cheaper: the same prompt without the cache costs more.
    const uncached = calcPrice({ input_tokens: 52_000, output_tokens: 3_100 }, "gpt-4o", { providerId: "openai" });
    expect(row.cost_micros!).toBeLessThan(micros(uncached!.total_price));
    expect(row.price_source).toMatch(/^genai-prices:openai\/gpt-4o/);
  });

  it("Anthropic-style raw usage: cache reads and writes reported apart from input", async () => {
    const row = await track({
      model: "claude-sonnet-4-20250514",
      provider: "anthropic",
      usage: { input_tokens: 1_200, output_tokens: 900, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 5_000 },
    });
    const total = 1_200 + 30_000 + 5_000;
    const expected = calcPrice(
      { input_tokens: total, cache_read_tokens: 30_000, cache_write_tokens: 5_000, output_tokens: 900 },
      "claude-sonnet-4-20250514",
      { providerId: "anthropic", timestamp: new Date(at) },
    );
    expect(row.cost_micros).toBe(micros(expected!.total_price));
    expect(row).toMatchObject({ input_tokens: total, cache_read_tokens: 30_000, cache_write_tokens: 5_000, provider: "anthropic" });
  });

  it("seed-style counts: promptTokens and completionTokens", async () => {
    const row = await track({ model: "gpt-4o-mini", promptTokens: 1_000_000, completionTokens: 1_000_000 });
    const expected = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, "gpt-4o-mini", { timestamp: new Date(at) });
    expect(row.cost_micros).toBe(micros(expected!.total_price));
    expect(row.cost_micros).toBeGreaterThan(0);
  });

  it("an unknown model is stored as unpriced, never as $0", async () => {
    const row = await track({ model: "acme-llm-9000", promptTokens: 500, completionTokens: 50, reportedCostUsd: 0.0123 });
    expect(row).toMatchObject({ cost_micros: null, input_cost_micros: null, price_source: "unpriced", reported_cost_micros: 12_300 });
    const rollup = await tally.db.selectFrom("rollup_usage_15m").selectAll().where("model", "=", "acme-llm-9000").executeTakeFirstOrThrow();
    expect(rollup).toMatchObject({ calls: 1, priced_calls: 0, unpriced_calls: 1, unpriced_tokens: 550, cost_micros: 0 });
  });

  it("a dated custom override prices the model from its effective date on", async () => {
    await tally.db
      .insertInto("model_prices")
      .values([
        { model: "acme-llm-9000", provider: "", input_micros_per_mtok: 2_000_000, output_micros_per_mtok: 8_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: at - 86_400_000, created_at: at },
        { model: "acme-llm-9000", provider: "", input_micros_per_mtok: 9_000_000, output_micros_per_mtok: 9_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: at + 86_400_000, created_at: at },
      ])
      .execute();
    const row = await track({ model: "acme-llm-9000", promptTokens: 500_000, completionTokens: 100_000 });
    // $2/Mtok × 0.5M + $8/Mtok × 0.1M = $1.80; the later price is not yet in force.
    expect(row.cost_micros).toBe(1_800_000);
    expect(row.price_source).toBe(`override:acme-llm-9000@${new Date(at - 86_400_000).toISOString()}`);
  });

  it("an override beats the catalog for a known model", async () => {
    await tally.db
      .insertInto("model_prices")
      .values({ model: "gpt-4o", provider: "", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 1_000_000, cache_read_micros_per_mtok: 500_000, cache_write_micros_per_mtok: null, effective_from: 0, created_at: at })
      .execute();
    const row = await track({ model: "gpt-4o", promptTokens: 2_000_000, cachedTokens: 1_000_000, completionTokens: 1_000_000 });
    // 1M uncached × $1 + 1M cached × $0.5 + 1M out × $1
    expect(row.cost_micros).toBe(2_500_000);
  });
});
