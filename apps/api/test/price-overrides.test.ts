import { calcPrice } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, PARENT, startTally, type Tally } from "./harness.ts";
import { callProcedure } from "./unpriced-money.ts";
import { micros } from "./micros.ts";

// Through the real serve() handler and the real prices.upsert: an override prices a model's tokens and keeps
// the catalog's price of every other unit; a unit with no price makes the line unpriced, never a $0 part;
// provider ids match whatever their case; cost per run is whole micro-USD. Expected figures come from
// genai-prices' calcPrice or by hand.
describe("price overrides and units without a price", () => {
  let tally: Tally;
  let n = 0;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  const catalog = (usage: Record<string, number>, model: string, providerId: string, at: string) =>
    micros(calcPrice(usage, model, { providerId, timestamp: new Date(at) })!.total_price);

  async function track(input: Record<string, unknown>) {
    const runId = `override-${++n}`;
    const out = await tally.executor.runDeferred(
      { fnSlug: "tally-track-ai-costs", input: { customerId: "ws2", ...input } },
      { ...PARENT, runId: `override-parent-${n}` },
      { runId },
    );
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    return tally.db.selectFrom("usage_costs").selectAll().where("deferred_run_id", "=", runId).executeTakeFirstOrThrow();
  }
  const upsert = (input: Record<string, unknown>) => callProcedure(tally, "prices.upsert", "mutation", input);

  it("an override replaces the token prices and keeps the catalog's web search and audio prices", async () => {
    const searches = { model: "gpt-4o", promptTokens: 1000, completionTokens: 0, webSearchRequests: 1000 };
    const before = await track({ ...searches, occurredAt: "2025-12-01T00:00:00Z" });
    expect(before.cost_micros).toBe(catalog({ input_tokens: 1000, output_tokens: 0, web_searches: 1000 }, "gpt-4o", "openai", "2025-12-01T00:00:00Z"));
    expect(before.cost_micros).toBe(10_002_500);

    await upsert({ model: "gpt-4o", inputMicrosPerMtok: 2_000_000, outputMicrosPerMtok: 8_000_000, effectiveFrom: "2025-12-02T00:00:00Z" });
    const after = await track({ ...searches, occurredAt: "2025-12-03T00:00:00Z" });
    // By hand: 1,000 tokens at the override's $2/Mtok = 2,000 µ$, plus the catalog's 1,000 searches.
    const searchPrice = catalog({ input_tokens: 0, output_tokens: 0, web_searches: 1000 }, "gpt-4o", "openai", "2025-12-03T00:00:00Z");
    expect(searchPrice).toBe(10_000_000);
    expect(after).toMatchObject({ cost_micros: 2_000 + searchPrice, price_source: "override:gpt-4o@2025-12-02T00:00:00.000Z" });

    // whisper-1 is priced by the audio hour: 600 s = 1/6 h.
    const audio = { model: "whisper-1", promptTokens: 0, completionTokens: 0, audioSeconds: 600 };
    const whisper = catalog({ input_tokens: 0, output_tokens: 0, audio_seconds: 600 }, "whisper-1", "openai", "2025-12-01T00:00:00Z");
    expect(whisper).toBeGreaterThan(0);
    expect((await track({ ...audio, occurredAt: "2025-12-01T00:00:00Z" })).cost_micros).toBe(whisper);
    await upsert({ model: "whisper-1", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 1_000_000, effectiveFrom: "2025-12-02T00:00:00Z" });
    expect(await track({ ...audio, occurredAt: "2025-12-03T00:00:00Z" })).toMatchObject({ cost_micros: whisper, price_source: "override:whisper-1@2025-12-02T00:00:00.000Z" });
  });

  it("a unit the price used does not price makes the line unpriced, counted with the unpriced calls", async () => {
    // The catalog prices gpt-4o-search-preview's tokens only.
    const search = await track({ model: "gpt-4o-search-preview", promptTokens: 100, completionTokens: 10, webSearchRequests: 5 });
    expect(search).toMatchObject({ cost_micros: null, input_cost_micros: null, price_source: "unpriced:web_searches", provider: "openai" });
    // Its tokens alone are priced as before.
    const tokens = await track({ model: "gpt-4o-search-preview", promptTokens: 100, completionTokens: 10 });
    expect(tokens.cost_micros).toBe(catalog({ input_tokens: 100, output_tokens: 10 }, "gpt-4o-search-preview", "openai", new Date().toISOString()));

    // An override of a model the catalog does not know prices tokens only.
    await upsert({ model: "acme-search-1", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 1_000_000, effectiveFrom: 0 });
    const custom = await track({ model: "acme-search-1", promptTokens: 1_000_000, completionTokens: 0, webSearchRequests: 3, fileSearchRequests: 1 });
    expect(custom).toMatchObject({ cost_micros: null, price_source: "unpriced:web_searches,storage_searches" });
    expect((await track({ model: "acme-search-1", promptTokens: 1_000_000, completionTokens: 0 })).cost_micros).toBe(1_000_000);

    const rollup = await tally.db
      .selectFrom("rollup_usage_15m")
      .select((e) => [e.fn.sum<number>("priced_calls").as("priced"), e.fn.sum<number>("unpriced_calls").as("unpriced")])
      .where("model", "in", ["gpt-4o-search-preview", "acme-search-1"])
      .executeTakeFirstOrThrow();
    expect(rollup).toEqual({ priced: 2, unpriced: 2 });
  });

  it("provider ids match and are stored trimmed and lower-cased, in payloads and overrides", async () => {
    await upsert({ model: "acme-llm", provider: "acme", inputMicrosPerMtok: 3_000_000, outputMicrosPerMtok: 0, effectiveFrom: 0 });
    for (const provider of ["ACME", " acme "]) {
      // By hand: 1M input tokens at $3/Mtok.
      expect(await track({ model: "acme-llm", provider, promptTokens: 1_000_000, completionTokens: 0 })).toMatchObject({ cost_micros: 3_000_000, provider: "acme" });
    }
    const providers = await tally.db.selectFrom("usage_costs").select("provider").distinct().where("model", "=", "acme-llm").execute();
    expect(providers).toEqual([{ provider: "acme" }]);

    const stored = await upsert({ model: " OTHER-LLM ", provider: "Other", inputMicrosPerMtok: 4_000_000, outputMicrosPerMtok: 0, effectiveFrom: 0 });
    expect(stored).toMatchObject({ model: "other-llm", provider: "other" });
    expect(await callProcedure(tally, "prices.list", "query", { model: "other-llm" })).toHaveLength(1);
    expect(await track({ model: "other-llm", provider: "other", promptTokens: 1_000_000, completionTokens: 0 })).toMatchObject({ cost_micros: 4_000_000 });
    // A model id that is blank once trimmed names no model: a 400 naming the field (the shared id rule).
    const blank = await fetch(`${tally.base}/api/trpc/prices.upsert`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json", origin: tally.base, "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ model: "   ", inputMicrosPerMtok: 1, outputMicrosPerMtok: 1, effectiveFrom: 0 }),
    });
    expect(blank.status).toBe(400);
    const refused = (await blank.json()) as { error: { data: { zodError: { fieldErrors: Record<string, string[]> } } } };
    expect(refused.error.data.zodError.fieldErrors.model?.join(" ")).toContain("is blank");
  });

  it("cost per run is a whole number of micro-USD", async () => {
    const at = Date.UTC(2026, 0, 10, 12);
    await upsert({ model: "per-run-llm", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 0, effectiveFrom: 0 });
    for (const [i, tokens] of [1_000, 1_000, 1_001].entries()) {
      const input = { model: "per-run-llm", customerId: "per-run", promptTokens: tokens, completionTokens: 0, occurredAt: at };
      const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input }, { ...PARENT, runId: `per-run-${i}` }, { runId: `per-run-costs-${i}` });
      expect(out.status).toBe("completed");
    }
    // By hand: 3,001 tokens at $1/Mtok = 3,001 µ$ over 3 priced runs = 1,000.33 → 1,000 µ$.
    const summary = (await callProcedure(tally, "overview.summary", "query", { from: at - 3_600_000, to: at + 3_600_000, timeZone: "UTC", customerIds: ["per-run"] })) as {
      current: { spendMicros: { total: number }; costPerRunMicros: number };
    };
    expect(summary.current.spendMicros.total).toBe(3_001);
    expect(summary.current.costPerRunMicros).toBe(1_000);
  });
});
