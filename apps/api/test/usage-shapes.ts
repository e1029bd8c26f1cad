/**
 * Real-shaped provider responses, one or more per usage format genai-prices reads (its extractors' api
 * flavours). `flavour` is the one a reader of the provider's API docs picks for that body, written by hand;
 * `at` is the path of the object a caller sends as `usage` (the body's usage part). pricing-shapes.test.ts
 * prices each with genai-prices' own extractUsage(provider, body, flavour) + calcPrice and compares with
 * what Tally stored.
 */
export interface Shape {
  /** `<provider>:<flavour>` as genai-prices names it: the format under test. */
  format: string;
  model: string;
  /** Sent as the payload's `provider`; omitted = inferred from the model. */
  send?: string;
  body: Record<string, unknown>;
  at: string[];
}

const chat = (p: number, c: number, extra: Record<string, unknown> = {}) => ({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c, ...extra });
const usage = (u: Record<string, unknown>) => ({ id: "resp-1", object: "chat.completion", usage: u });

export const SHAPES: Shape[] = [
  // OpenAI
  { format: "openai:chat", model: "gpt-4o", send: "openai", at: ["usage"], body: usage(chat(52_000, 3_100, { prompt_tokens_details: { cached_tokens: 40_000, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } })) },
  { format: "openai:chat", model: "gpt-audio", send: "openai", at: ["usage"], body: usage(chat(12_000, 4_000, { prompt_tokens_details: { cached_tokens: 0, audio_tokens: 9_000 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 3_500 } })) },
  { format: "openai:chat", model: "o3", at: ["usage"], body: usage(chat(20_000, 9_000, { prompt_tokens_details: { cached_tokens: 15_000 }, completion_tokens_details: { reasoning_tokens: 7_000 } })) },
  { format: "openai:responses", model: "gpt-5", send: "openai", at: ["usage"], body: { object: "response", usage: { input_tokens: 30_000, input_tokens_details: { cached_tokens: 20_000 }, output_tokens: 5_000, output_tokens_details: { reasoning_tokens: 3_000 }, total_tokens: 35_000 } } },
  {
    format: "openai:realtime",
    model: "gpt-realtime",
    at: ["response", "usage"],
    body: {
      type: "response.done",
      response: {
        usage: {
          total_tokens: 7_500, input_tokens: 6_000, output_tokens: 1_500,
          input_token_details: { text_tokens: 1_000, audio_tokens: 4_500, image_tokens: 500, cached_tokens: 2_500, cached_tokens_details: { text_tokens: 500, audio_tokens: 1_800, image_tokens: 200 } },
          output_token_details: { text_tokens: 300, audio_tokens: 1_200 },
        },
      },
    },
  },
  { format: "openai:embeddings", model: "text-embedding-3-small", send: "openai", at: ["usage"], body: { object: "list", usage: { prompt_tokens: 8_000, total_tokens: 8_000 } } },
  { format: "openai:images", model: "gpt-image-1", send: "openai", at: ["usage"], body: { created: 1, usage: { input_tokens: 600, input_tokens_details: { text_tokens: 100, image_tokens: 500 }, output_tokens: 4_160, total_tokens: 4_760 } } },
  { format: "azure:chat", model: "gpt-4o", send: "azure", at: ["usage"], body: usage(chat(10_000, 800, { prompt_tokens_details: { cached_tokens: 6_000 }, completion_tokens_details: { reasoning_tokens: 0 } })) },
  // Anthropic
  {
    format: "anthropic:default",
    model: "claude-opus-4-1",
    send: "anthropic",
    at: ["usage"],
    body: { type: "message", usage: { input_tokens: 1_200, cache_creation_input_tokens: 8_000, cache_read_input_tokens: 30_000, cache_creation: { ephemeral_5m_input_tokens: 3_000, ephemeral_1h_input_tokens: 5_000 }, output_tokens: 900, server_tool_use: { web_search_requests: 3 }, service_tier: "standard" } },
  },
  { format: "anthropic:chat", model: "claude-sonnet-4-5", send: "anthropic", at: ["usage"], body: usage(chat(5_000, 700)) },
  // Google
  {
    format: "google:default",
    model: "gemini-2.5-flash",
    send: "google",
    at: ["usageMetadata"],
    body: {
      usageMetadata: {
        promptTokenCount: 12_000, candidatesTokenCount: 800, thoughtsTokenCount: 1_500, totalTokenCount: 14_300, cachedContentTokenCount: 4_000,
        promptTokensDetails: [{ modality: "TEXT", tokenCount: 7_000 }, { modality: "AUDIO", tokenCount: 5_000 }],
        cacheTokensDetails: [{ modality: "TEXT", tokenCount: 2_000 }, { modality: "AUDIO", tokenCount: 2_000 }],
        candidatesTokensDetails: [{ modality: "TEXT", tokenCount: 800 }],
      },
    },
  },
  { format: "google:chat", model: "gemini-2.5-flash", send: "google", at: ["usage"], body: usage(chat(3_000, 400, { prompt_tokens_details: { cached_tokens: 1_000 } })) },
  { format: "google:anthropic", model: "claude-3-7-sonnet", send: "google", at: ["usage"], body: { usage: { input_tokens: 900, cache_creation_input_tokens: 2_000, cache_read_input_tokens: 6_000, output_tokens: 300 } } },
  // AWS Bedrock
  { format: "aws:default", model: "amazon.nova-pro-v1:0", send: "aws", at: ["usage"], body: { output: {}, stopReason: "end_turn", usage: { inputTokens: 3_000, outputTokens: 400, totalTokens: 4_400, cacheReadInputTokens: 1_000, cacheWriteInputTokens: 0 } } },
  { format: "aws:anthropic", model: "global.anthropic.claude-sonnet-4-5-20250929-v1:0", send: "aws", at: ["usage"], body: { usage: { input_tokens: 700, cache_creation_input_tokens: 1_500, cache_read_input_tokens: 9_000, output_tokens: 450 } } },
  // xAI
  {
    format: "x-ai:chat",
    model: "grok-4-0709",
    at: ["usage"],
    body: usage(chat(2_000, 1_200, { total_tokens: 10_854, prompt_tokens_details: { text_tokens: 2_000, audio_tokens: 0, image_tokens: 0, cached_tokens: 1_000 }, completion_tokens_details: { reasoning_tokens: 7_654, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }, num_sources_used: 0 })),
  },
  { format: "x-ai:default", model: "grok-3-mini", send: "x-ai", at: ["usage"], body: usage({ prompt_tokens: 4_000, completion_tokens: 500, reasoning_tokens: 2_500, cached_prompt_text_tokens: 3_000, total_tokens: 7_000 }) },
  { format: "x-ai:realtime", model: "grok-voice-latest", send: "x-ai", at: ["usage"], body: { type: "response.done", usage: { input_tokens: 3_000, output_tokens: 900, input_token_details: { text_tokens: 200, audio_tokens: 2_800 }, output_token_details: { text_tokens: 100, audio_tokens: 800 }, billable_audio_seconds: 95, input_text_messages: 4 } } },
  // DeepSeek (its own cache fields beside the OpenAI-style details)
  { format: "deepseek:chat", model: "deepseek-reasoner", send: "deepseek", at: ["usage"], body: usage(chat(9_000, 2_500, { prompt_tokens_details: { cached_tokens: 6_000 }, completion_tokens_details: { reasoning_tokens: 1_800 }, prompt_cache_hit_tokens: 6_000, prompt_cache_miss_tokens: 3_000 })) },
  { format: "fireworks:chat", model: "accounts/fireworks/models/deepseek-v3p2", send: "fireworks", at: ["usage"], body: usage(chat(8_000, 600, { prompt_tokens_details: { cached_tokens: 5_000 } })) },
  // Cloudflare
  { format: "cloudflare:chat", model: "@cf/moonshotai/kimi-k2.6", send: "cloudflare", at: ["usage"], body: usage(chat(20_000, 1_000, { prompt_tokens_details: { cached_tokens: 16_000 } })) },
  { format: "cloudflare:default", model: "@cf/moonshotai/kimi-k2.6", send: "cloudflare", at: ["result", "usage"], body: { success: true, result: { response: "hi", usage: chat(2_000, 300) } } },
  { format: "cloudflare:responses", model: "@cf/moonshotai/kimi-k2.6", send: "cloudflare", at: ["usage"], body: { usage: { input_tokens: 6_000, input_tokens_details: { cached_tokens: 4_000 }, output_tokens: 700, output_tokens_details: { reasoning_tokens: 200 } } } },
  { format: "cloudflare:embeddings", model: "@cf/baai/bge-m3", send: "cloudflare", at: ["usage"], body: { usage: { prompt_tokens: 1_500, total_tokens: 1_500 } } },
  // Cohere
  { format: "cohere:default", model: "command-r-plus", send: "cohere", at: ["usage", "billed_units"], body: { usage: { billed_units: { input_tokens: 2_000, output_tokens: 350 } } } },
  { format: "cohere:tokens", model: "command-r-plus", send: "cohere", at: ["usage"], body: { usage: { billed_units: { input_tokens: 2_000, output_tokens: 350 }, tokens: { input_tokens: 2_100, output_tokens: 350 }, cached_tokens: 0 } } },
  { format: "cohere:embeddings", model: "embed-v4.0", send: "cohere", at: ["meta", "billed_units"], body: { meta: { billed_units: { input_tokens: 4_000 } } } },
  // Perplexity: reasoning, citations and searches priced apart; a per-request fee
  { format: "perplexity:default", model: "sonar-deep-research", send: "perplexity", at: ["usage"], body: usage({ prompt_tokens: 30, completion_tokens: 7_000, citation_tokens: 12_000, num_search_queries: 18, reasoning_tokens: 60_000, total_tokens: 79_030 }) },
  { format: "perplexity:default", model: "sonar-pro", send: "perplexity", at: ["usage"], body: usage({ prompt_tokens: 1_500, completion_tokens: 400, total_tokens: 1_900, search_context_size: "low" }) },
  // Mistral
  { format: "mistral:ocr", model: "mistral-ocr-latest", send: "mistral", at: ["usage_info"], body: { pages: [], usage_info: { pages_processed: 42, doc_size_bytes: 123_456 } } },
  { format: "mistral:default", model: "mistral-large-latest", send: "mistral", at: ["usage"], body: usage(chat(3_000, 500)) },
  // Others with their own format
  { format: "groq:default", model: "llama-3.1-8b-instant", send: "groq", at: ["usage"], body: usage(chat(1_000, 200, { queue_time: 0.01, prompt_time: 0.02, completion_time: 0.1, total_time: 0.13 })) },
  { format: "openrouter:chat", model: "anthropic/claude-sonnet-4", send: "openrouter", at: ["usage"], body: usage(chat(9_000, 600, { prompt_tokens_details: { cached_tokens: 7_000 }, completion_tokens_details: { reasoning_tokens: 100 } })) },
  { format: "cerebras:chat", model: "gpt-oss-120b", send: "cerebras", at: ["usage"], body: usage(chat(2_500, 900, { completion_tokens_details: { reasoning_tokens: 600 } })) },
  { format: "modal:chat", model: "moonshotai/Kimi-K3", send: "modal", at: ["usage"], body: usage(chat(4_000, 500, { prompt_tokens_details: { cached_tokens: 3_000 }, reasoning_tokens: 200 })) },
  { format: "minimax:default", model: "MiniMax-M2", send: "minimax", at: ["usage"], body: { usage: { input_tokens: 1_000, cache_creation_input_tokens: 500, cache_read_input_tokens: 2_000, output_tokens: 300 } } },
  { format: "minimax:chat", model: "MiniMax-M2", send: "minimax", at: ["usage"], body: usage(chat(3_000, 300, { prompt_tokens_details: { cached_tokens: 2_000 } })) },
  { format: "baseten:anthropic", model: "moonshotai/Kimi-K2.6", send: "baseten", at: ["usage"], body: { usage: { input_tokens: 1_000, cache_read_input_tokens: 4_000, output_tokens: 250 } } },
  { format: "cursor:usage-event", model: "composer-2.5", send: "cursor", at: ["tokenUsage"], body: { tokenUsage: { inputTokens: 2_000, outputTokens: 800, cacheWriteTokens: 0, cacheReadTokens: 10_000 } } },
];
