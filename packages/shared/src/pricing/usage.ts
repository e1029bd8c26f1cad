import { extractUsage, findProvider, type Usage } from "@pydantic/genai-prices";

/**
 * Token counts in genai-prices' convention: `input_tokens` is the WHOLE prompt, cache reads and writes
 * are parts of it; `reasoning_tokens` are part of `output_tokens`.
 */
export interface NormalizedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

export interface UsageInput {
  model: string;
  provider?: string | undefined;
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
  cachedTokens?: number | undefined;
  cacheWriteTokens?: number | undefined;
  reasoningTokens?: number | undefined;
  usage?: Record<string, unknown> | undefined;
}

/** Reads explicit counts, or a provider's raw `usage` object through genai-prices' own extractors. */
export function normalizeUsage(input: UsageInput): NormalizedUsage {
  if (!input.usage) {
    return {
      input_tokens: input.promptTokens ?? 0,
      output_tokens: input.completionTokens ?? 0,
      cache_read_tokens: input.cachedTokens ?? 0,
      cache_write_tokens: input.cacheWriteTokens ?? 0,
      reasoning_tokens: input.reasoningTokens ?? 0,
    };
  }
  const usage = extractRaw(input.usage, input.model, input.provider);
  return {
    input_tokens: usage.input_tokens ?? 0,
    output_tokens: usage.output_tokens ?? 0,
    cache_read_tokens: usage.cache_read_tokens ?? 0,
    cache_write_tokens: usage.cache_write_tokens ?? 0,
    reasoning_tokens: usage.output_reasoning_tokens ?? 0,
  };
}

function extractRaw(raw: Record<string, unknown>, model: string, providerId: string | undefined): Usage {
  const provider = findProvider({ modelId: model, ...(providerId ? { providerId } : {}) });
  if (!provider?.extractors?.length) {
    throw new UsageError(
      `usage: no usage extractor for provider ${providerId ?? "(inferred from model)"} and model ${model}; ` +
        "send promptTokens/completionTokens instead",
    );
  }
  const errors: string[] = [];
  // Try each API flavour the provider knows (chat, responses, …): the first whose required fields exist wins.
  for (const { api_flavor, root } of provider.extractors) {
    try {
      // Each extractor reads the usage under its own root (`usage`, `usageMetadata`, …) of a response body.
      return extractUsage(provider, { model, ...nest(root, raw) }, api_flavor).usage;
    } catch (e) {
      errors.push(`${api_flavor}: ${(e as Error).message}`);
    }
  }
  throw new UsageError(`usage: not a ${provider.id} usage object (${errors.join("; ")})`);
}

function nest(root: unknown, raw: Record<string, unknown>): Record<string, unknown> {
  const path = typeof root === "string" ? [root] : Array.isArray(root) && root.every((p) => typeof p === "string") ? root : [];
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), raw);
}

/** The payload's usage cannot be read: retrying will not help. */
export class UsageError extends Error {
  override name = "UsageError";
}
