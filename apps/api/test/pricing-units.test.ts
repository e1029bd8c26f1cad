import { calcPrice, extractUsage, findProvider } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunOutcome } from "./executor.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";
import { micros } from "./micros.ts";

// Through the real serve() handler: the issue's own figures, every priced unit carried by the counts payload,
// model ids as genai-prices matches them (one stored form on both paths), and raw usage of a model the
// catalog does not know stored unpriced. Expected prices come from genai-prices' calcPrice or the issue.
describe("every priced unit, on both paths", () => {
  let tally: Tally;
  let n = 0;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  const at = Date.UTC(2026, 5, 1, 12);
  const ref = (usage: Record<string, number>, model: string, providerId: string) =>
    micros(calcPrice(usage, model, { providerId, timestamp: new Date(at) })!.total_price);

  function send(input: Record<string, unknown>): { runId: string; out: Promise<RunOutcome> } {
    const runId = `units-${++n}`;
    const out = tally.executor.runDeferred(
      { fnSlug: "tally-track-ai-costs", input: { customerId: "acme", ...input } },
      { ...PARENT, runId: `units-parent-${n}` },
      { runId, ts: at },
    );
    return { runId, out };
  }
  async function track(input: Record<string, unknown>) {
    const { runId, out } = send(input);
    const o = await out;
    expect(o.status, JSON.stringify(o.error)).toBe("completed");
    return (await tally.db.selectFrom("usage_costs").selectAll().where("deferred_run_id", "=", runId).executeTakeFirstOrThrow()) as unknown as Record<string, unknown>;
  }
  async function refused(input: Record<string, unknown>, ...texts: string[]) {
    const { runId, out } = send(input);
    const o = await out;
    expect(o.status).toBe("failed");
    expect(o.attempts).toBe(1);
    const message = (o.error as { message?: string } | null)?.message ?? "";
    for (const t of texts) expect(message).toContain(t);
    expect(await tally.db.selectFrom("usage_costs").select("id").where("deferred_run_id", "=", runId).execute()).toEqual([]);
  }

  it("the issue's figures: grok-4-0709 with 7,654 reasoning tokens costs 161,103 µ$; gpt-audio 281,000 µ$", async () => {
    const grok = await track({
      model: "grok-4-0709",
      usage: { prompt_tokens: 10_431, completion_tokens: 1_000, total_tokens: 19_085, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 7_654 } },
    });
    expect(grok).toMatchObject({ cost_micros: 161_103, output_tokens: 8_654, reasoning_tokens: 7_654 });
    const audio = { prompt_tokens: 10_000, completion_tokens: 3_000, prompt_tokens_details: { audio_tokens: 4_000 }, completion_tokens_details: { audio_tokens: 2_000 } };
    expect(await track({ model: "gpt-audio", provider: "openai", usage: audio })).toMatchObject({ cost_micros: 281_000, input_audio_tokens: 4_000, output_audio_tokens: 2_000 });
    const counts = await track({ model: "gpt-audio", promptTokens: 10_000, completionTokens: 3_000, audioInputTokens: 4_000, audioOutputTokens: 2_000 });
    expect(counts).toMatchObject({ cost_micros: 281_000, input_audio_tokens: 4_000, output_audio_tokens: 2_000 });
  });

  it("the counts payload carries every priced unit and each is priced as genai-prices prices it", async () => {
    const cases: [Record<string, unknown>, Record<string, number>, string, string, Record<string, number>][] = [
      [
        { model: "claude-opus-4-1", provider: "anthropic", promptTokens: 44_000, cachedTokens: 30_000, cacheWriteTokens: 8_000, cacheWrite1hTokens: 5_000, completionTokens: 900, webSearchRequests: 3 },
        { input_tokens: 44_000, cache_read_tokens: 30_000, cache_write_tokens: 8_000, cache_write_1h_tokens: 5_000, output_tokens: 900, web_searches: 3 },
        "claude-opus-4-1", "anthropic", { cache_write_1h_tokens: 5_000, web_searches: 3 },
      ],
      [
        { model: "sonar-deep-research", provider: "perplexity", promptTokens: 30, completionTokens: 79_000, reasoningTokens: 60_000, citationTokens: 12_000, webSearchRequests: 18 },
        { input_tokens: 30, output_tokens: 79_000, output_reasoning_tokens: 60_000, output_citation_tokens: 12_000, web_searches: 18 },
        "sonar-deep-research", "perplexity", { output_citation_tokens: 12_000, web_searches: 18, reasoning_tokens: 60_000 },
      ],
      [
        { model: "gpt-realtime", promptTokens: 6_000, cachedTokens: 2_500, audioInputTokens: 4_500, cachedAudioTokens: 1_800, imageInputTokens: 500, cachedImageTokens: 200, completionTokens: 1_500, audioOutputTokens: 1_200 },
        { input_tokens: 6_000, cache_read_tokens: 2_500, input_audio_tokens: 4_500, cache_audio_read_tokens: 1_800, input_image_tokens: 500, cache_image_read_tokens: 200, output_tokens: 1_500, output_audio_tokens: 1_200 },
        "gpt-realtime", "openai", { cache_audio_read_tokens: 1_800, cache_image_read_tokens: 200, input_image_tokens: 500 },
      ],
      [
        { model: "gpt-5", promptTokens: 1_000, completionTokens: 100, fileSearchRequests: 40, webSearchRequests: 2 },
        { input_tokens: 1_000, output_tokens: 100, storage_searches: 40, web_searches: 2 },
        "gpt-5", "openai", { storage_searches: 40 },
      ],
      [
        { model: "grok-voice-latest", provider: "x-ai", promptTokens: 0, completionTokens: 0, audioSeconds: 95.5, textMessages: 4 },
        { input_tokens: 0, output_tokens: 0, audio_seconds: 95.5, input_text_messages: 4 },
        "grok-voice-latest", "x-ai", { audio_seconds: 95.5, input_text_messages: 4 },
      ],
      [
        { model: "mistral-ocr-latest", provider: "mistral", promptTokens: 0, completionTokens: 0, documentPages: 40, annotatedDocumentPages: 12 },
        { input_tokens: 0, output_tokens: 0, input_document_pages: 40, input_annotated_document_pages: 12 },
        "mistral-ocr-latest", "mistral", { input_document_pages: 40, input_annotated_document_pages: 12 },
      ],
      [
        { model: "gemini-3.1-flash-live-preview", provider: "google", promptTokens: 9_000, videoInputTokens: 3_000, audioInputTokens: 2_000, completionTokens: 500 },
        { input_tokens: 9_000, input_video_tokens: 3_000, input_audio_tokens: 2_000, output_tokens: 500 },
        "gemini-3.1-flash-live-preview", "google", { input_video_tokens: 3_000 },
      ],
      [
        { model: "gemini-2.5-flash-image", provider: "google", promptTokens: 300, completionTokens: 1_400, imageOutputTokens: 1_290 },
        { input_tokens: 300, output_tokens: 1_400, output_image_tokens: 1_290 },
        "gemini-2.5-flash-image", "google", { output_image_tokens: 1_290 },
      ],
      [
        { model: "gemini-omni-flash-preview", provider: "google", promptTokens: 300, completionTokens: 5_000, videoOutputTokens: 4_000 },
        { input_tokens: 300, output_tokens: 5_000, output_video_tokens: 4_000 },
        "gemini-omni-flash-preview", "google", { output_video_tokens: 4_000 },
      ],
    ];
    for (const [payload, usage, model, provider, stored] of cases) {
      const expected = ref(usage, model, provider);
      // Each unit matters: the same tokens without the extra units price differently.
      const plain = ref({ input_tokens: usage.input_tokens!, output_tokens: usage.output_tokens! }, model, provider);
      expect(expected, model).not.toBe(plain);
      const row = await track(payload);
      expect(row.cost_micros, model).toBe(expected);
      expect(row, model).toMatchObject(stored);
    }
  });

  it("model ids are matched and stored as genai-prices matches them, the same on both paths", async () => {
    const raw = { prompt_tokens: 20_000, completion_tokens: 2_000, prompt_tokens_details: { cached_tokens: 5_000 } };
    for (const [sent, id, provider] of [["O3", "o3", "openai"], ["Mistral-Large-Latest", "mistral-large-latest", "mistral"], ["  gpt-4o  ", "gpt-4o", "openai"]] as const) {
      const expected = ref({ input_tokens: 20_000, cache_read_tokens: 5_000, output_tokens: 2_000 }, id, provider);
      const viaRaw = await track({ model: sent, usage: raw });
      const viaCounts = await track({ model: sent, promptTokens: 20_000, cachedTokens: 5_000, completionTokens: 2_000 });
      for (const row of [viaRaw, viaCounts]) expect(row, sent).toMatchObject({ model: id, provider, cost_micros: expected });
    }
  });

  it("raw usage of a model missing from the catalog, without provider, is stored unpriced like its counts", async () => {
    const viaRaw = await track({ model: "acme-llm-9001", usage: { prompt_tokens: 500, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 100 } } });
    const viaCounts = await track({ model: "acme-llm-9001", promptTokens: 500, completionTokens: 50, cachedTokens: 100 });
    for (const row of [viaRaw, viaCounts]) {
      expect(row).toMatchObject({ model: "acme-llm-9001", cost_micros: null, input_cost_micros: null, price_source: "unpriced", input_tokens: 500, output_tokens: 50, cache_read_tokens: 100 });
    }
    // Anthropic- and Google-shaped objects are read too.
    expect(await track({ model: "acme-llm-9001", usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 5 } })).toMatchObject({ input_tokens: 100, cache_read_tokens: 90, cost_micros: null });
    expect(await track({ model: "acme-llm-9001", usage: { promptTokenCount: 70, candidatesTokenCount: 7 } })).toMatchObject({ input_tokens: 70, output_tokens: 7, cost_micros: null });
    // An object no format reads stays a clear non-retriable error.
    await refused({ model: "acme-llm-9001", usage: { tokens: 12 } }, "usage: not a known provider's usage object", "send promptTokens/completionTokens");
  });

  it("raw usage in another API's shape than its provider's own (Kimi, DeepSeek through an Anthropic-style API, Grok through Responses) is read, not refused", async () => {
    const anthropic = { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 5 };
    // kimi-k9: an id the catalog attributes to moonshotai (chat usage only) but does not price: unpriced, like its counts.
    expect(await track({ model: "kimi-k9", usage: anthropic })).toMatchObject({ model: "kimi-k9", cost_micros: null, price_source: "unpriced", input_tokens: 100, cache_read_tokens: 90, output_tokens: 5 });
    // Priced models: genai-prices' own reading of the shape (extractUsage with that API's flavour), priced for the model's provider.
    const read = (providerId: string, flavour: string, usage: Record<string, unknown>) => extractUsage(findProvider({ providerId })!, { usage }, flavour).usage as Record<string, number>;
    const responses = { input_tokens: 6_000, input_tokens_details: { cached_tokens: 4_000 }, output_tokens: 700, output_tokens_details: { reasoning_tokens: 200 } };
    expect(await track({ model: "grok-4-0709", usage: responses })).toMatchObject({
      provider: "x-ai", cost_micros: ref(read("openai", "responses", responses), "grok-4-0709", "x-ai"), cache_read_tokens: 4_000, reasoning_tokens: 200,
    });
    expect(await track({ model: "deepseek-chat", provider: "deepseek", usage: anthropic })).toMatchObject({
      provider: "deepseek", cost_micros: ref(read("anthropic", "default", anthropic), "deepseek-chat", "deepseek"), input_tokens: 100, cache_read_tokens: 90,
    });
    // Still refused when no shape reads it, naming the model's provider.
    await refused({ model: "kimi-k9", usage: { tokens: 12 } }, "usage: not moonshotai's usage object", "send promptTokens/completionTokens");
  });

  it("the new counts are bounded and parts cannot exceed their whole", async () => {
    await refused({ model: "gpt-audio", promptTokens: 10, completionTokens: 5, audioInputTokens: 11 }, "audioInputTokens", "promptTokens");
    await refused({ model: "gpt-audio", promptTokens: 10, completionTokens: 5, audioOutputTokens: 6 }, "audioOutputTokens", "completionTokens");
    await refused({ model: "claude-opus-4-1", promptTokens: 10, completionTokens: 5, cacheWriteTokens: 2, cacheWrite1hTokens: 3 }, "cacheWrite1hTokens", "cacheWriteTokens");
    await refused({ model: "gpt-realtime", promptTokens: 10, completionTokens: 5, cachedTokens: 4, audioInputTokens: 9, cachedAudioTokens: 5 }, "cachedAudioTokens");
    await refused({ model: "claude-opus-4-1", promptTokens: 10, completionTokens: 5, webSearchRequests: 1e10 }, "webSearchRequests");
    await refused({ model: "claude-opus-4-1", promptTokens: 10, completionTokens: 5, webSearchRequests: 1.5 }, "webSearchRequests");
    await refused({ model: "grok-voice-latest", promptTokens: 0, completionTokens: 0, audioSeconds: -1 }, "audioSeconds");
    await refused(
      { model: "claude-opus-4-1", provider: "anthropic", usage: { input_tokens: 1, output_tokens: 1, server_tool_use: { web_search_requests: 1e10 } } },
      "usage.server_tool_use.web_search_requests", "between 0 and 1e9",
    );
  });
});
