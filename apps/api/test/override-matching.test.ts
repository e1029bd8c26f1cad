import { calcPrice } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARENT, startTally, type Tally } from "./harness.ts";
import { callProcedure } from "./unpriced-money.ts";
import { micros } from "./micros.ts";

// Issue 17 §4: override lookup matches ids the way the catalog does, through the real serve() handler.
// The rule: an override applies to the id it names (any case) and to every id genai-prices prices as the same
// catalog model (`gpt-4o-2024-08-06` is priced as `gpt-4o`; `gpt-4o-2024-05-13` is a model of its own); one
// naming the exact id wins over one matched through the catalog. A provider-specific override applies to a
// line sent without provider when the catalog attributes the model to that provider.
// Expected: override prices by hand (1 µ$ per input token at $1/Mtok), catalog prices by genai-prices' calcPrice.

const AT = "2025-12-01T00:00:00Z";
const catalog = (model: string, input: number, output: number, providerId?: string) => {
  const r = calcPrice({ input_tokens: input, output_tokens: output }, model, { timestamp: new Date(AT), ...(providerId ? { providerId } : {}) });
  return r ? micros(r.total_price) : null;
};

describe("override lookup matches like the catalog", () => {
  let tally: Tally;
  let n = 0;
  beforeAll(async () => {
    tally = await startTally();
    const upsert = (model: string, provider: string, input: number, effectiveFrom: string) =>
      callProcedure(tally, "prices.upsert", "mutation", { model, provider, inputMicrosPerMtok: input, outputMicrosPerMtok: 0, effectiveFrom });
    await upsert("gpt-4o", "", 1_000_000, "2025-01-01T00:00:00Z");
    await upsert("o3", "openai", 2_000_000, "2025-01-01T00:00:00Z");
    // The family override is newer, the exact one older: the exact id still wins for its own id.
    await upsert("claude-3-5-sonnet", "", 3_000_000, "2025-06-01T00:00:00Z");
    await upsert("claude-3-5-sonnet-20241022", "", 5_000_000, "2025-01-01T00:00:00Z");
  });
  afterAll(() => tally.close());

  async function track(input: Record<string, unknown>) {
    const runId = `match-${++n}`;
    const out = await tally.executor.runDeferred(
      { fnSlug: "tally-track-ai-costs", input: { customerId: "acme", promptTokens: 1000, completionTokens: 100, occurredAt: AT, ...input } },
      { ...PARENT, runId: `match-parent-${n}` },
      { runId },
    );
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    return tally.db.selectFrom("usage_costs").selectAll().where("deferred_run_id", "=", runId).executeTakeFirstOrThrow();
  }

  it("a dated snapshot the catalog prices as the overridden model takes the override; one priced apart does not", async () => {
    for (const model of ["gpt-4o", "gpt-4o-2024-08-06", "GPT-4o-2024-08-06"]) {
      expect(await track({ model }), model).toMatchObject({ cost_micros: 1000, price_source: "override:gpt-4o@2025-01-01T00:00:00.000Z", provider: "openai" });
    }
    const apart = await track({ model: "gpt-4o-2024-05-13" });
    expect(apart.cost_micros).toBe(catalog("gpt-4o-2024-05-13", 1000, 100));
    expect(apart.price_source).toBe("genai-prices:openai/gpt-4o-2024-05-13");
  });

  it("an exact id wins over a catalog match, whatever the dates", async () => {
    expect(await track({ model: "claude-3-5-sonnet-20241022" })).toMatchObject({ cost_micros: 5000, price_source: "override:claude-3-5-sonnet-20241022@2025-01-01T00:00:00.000Z" });
    expect(await track({ model: "claude-3-5-sonnet-latest" })).toMatchObject({ cost_micros: 3000, price_source: "override:claude-3-5-sonnet@2025-06-01T00:00:00.000Z", provider: "anthropic" });
  });

  it("a provider's override applies to a payload without provider whose model the catalog attributes to it", async () => {
    expect(await track({ model: "o3" })).toMatchObject({ cost_micros: 2000, price_source: "override:o3@2025-01-01T00:00:00.000Z", provider: "openai" });
    expect(await track({ model: "o3", provider: "OpenAI" })).toMatchObject({ cost_micros: 2000, provider: "openai" });
    // Sent for another provider, the openai override does not apply: the catalog's price for that provider, or unpriced.
    const azure = await track({ model: "o3", provider: "azure" });
    expect(azure.cost_micros).toBe(catalog("o3", 1000, 100, "azure"));
    expect(azure.price_source).not.toMatch(/^override:/);
  });

  it("the repricing scope of a model covers the ids the catalog prices as it", async () => {
    const preview = (await callProcedure(tally, "reprice.preview", "query", { model: "GPT-4o" })) as { scope: { models: string[] }; lines: number; changedLines: number };
    expect(preview.scope.models).toEqual(["gpt-4o", "gpt-4o-2024-08-06"]);
    expect(preview).toMatchObject({ lines: 3, changedLines: 0 });
  });

  it("an override for any provider covers the ids each provider's catalog prices as that model", async () => {
    // genai-prices prices azure's gpt-4o-2024-08-06 as azure/gpt-4o: the blank-provider gpt-4o override applies.
    expect(calcPrice({}, "gpt-4o-2024-08-06", { providerId: "azure" })?.model.id).toBe("gpt-4o");
    for (const model of ["gpt-4o", "gpt-4o-2024-08-06"]) {
      expect(await track({ model, provider: "azure" }), model).toMatchObject({ cost_micros: 1000, price_source: "override:gpt-4o@2025-01-01T00:00:00.000Z", provider: "azure" });
    }
  });
});
