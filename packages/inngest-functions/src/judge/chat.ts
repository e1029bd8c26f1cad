import { NonRetriableError } from "inngest";
import { retriableError } from "../retry-after.ts";
import { checkUsage, type NormalizedUsage } from "@tally/shared/pricing";

/** An OpenAI-compatible chat-completions endpoint: OpenAI, Ollama, vLLM, LiteLLM, … */
export interface ChatConfig {
  /** e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`. */
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
  /** genai-prices provider id, for pricing this model's usage; inferred when absent. */
  provider?: string | undefined;
  timeoutMs?: number | undefined;
}

/** How long one chat completion may take unless `timeoutMs` says otherwise. */
export const DEFAULT_CHAT_TIMEOUT_MS = 60_000;

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatReply {
  content: string;
  model: string;
  usage: NormalizedUsage;
}

/**
 * One chat completion. Errors that retrying cannot fix (bad key, unknown model, bad request) are
 * NonRetriableError; timeouts, 429 and 5xx throw plain errors so Inngest retries the step.
 */
export async function chatComplete(
  config: ChatConfig,
  messages: ChatMessage[],
  options: { json?: boolean } = {},
): Promise<ChatReply> {
  const url = `${config.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
    },
    body: JSON.stringify({
      model: config.model,
      messages,
      temperature: 0,
      ...(options.json ? { response_format: { type: "json_object" } } : {}),
    }),
    signal: AbortSignal.timeout(config.timeoutMs ?? DEFAULT_CHAT_TIMEOUT_MS),
  });
  const text = await res.text();
  if (!res.ok) {
    const message = `chat completion ${url} answered ${res.status}: ${text.slice(0, 300)}`;
    if ([400, 401, 403, 404, 422].includes(res.status)) throw new NonRetriableError(message);
    throw retriableError(message, res);
  }
  let body: OpenAiChatResponse;
  try {
    body = JSON.parse(text) as OpenAiChatResponse;
  } catch {
    throw new Error(`chat completion ${url} answered non-JSON: ${text.slice(0, 300)}`);
  }
  const u = body.usage ?? {};
  const usage = {
    input_tokens: u.prompt_tokens ?? 0,
    output_tokens: u.completion_tokens ?? 0,
    cache_read_tokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    cache_write_tokens: 0,
    reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
  try {
    checkUsage(usage); // the same bounds as a payload's usage: an absurd count must not reach the judge's cost
  } catch (e) {
    throw new NonRetriableError(`chat completion ${url} reported invalid ${(e as Error).message}`);
  }
  return { content: body.choices?.[0]?.message?.content ?? "", model: body.model ?? config.model, usage };
}

interface OpenAiChatResponse {
  model?: string;
  choices?: { message?: { content?: string | null } }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
    completion_tokens_details?: { reasoning_tokens?: number };
  };
}

export function addUsage(a: NormalizedUsage, b: NormalizedUsage): NormalizedUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read_tokens: a.cache_read_tokens + b.cache_read_tokens,
    cache_write_tokens: a.cache_write_tokens + b.cache_write_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
  };
}

export const ZERO_USAGE: NormalizedUsage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
};
