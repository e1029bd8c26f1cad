import { extractUsage, findProvider, type Usage } from "@pydantic/genai-prices";
import { MAX_TOKENS } from "../schemas/payloads.ts";

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

/**
 * Reads explicit counts, or a provider's raw `usage` object through genai-prices' own extractors. The
 * result is checked by `checkUsage`; a raw field read into it that is not a token count is named.
 */
export function normalizeUsage(input: UsageInput): NormalizedUsage {
  if (!input.usage) {
    return checkUsage({
      input_tokens: input.promptTokens ?? 0,
      output_tokens: input.completionTokens ?? 0,
      cache_read_tokens: input.cachedTokens ?? 0,
      cache_write_tokens: input.cacheWriteTokens ?? 0,
      reasoning_tokens: input.reasoningTokens ?? 0,
    });
  }
  const usage = extractRaw(input.usage, input.model, input.provider);
  return checkUsage({
    input_tokens: usage.input_tokens ?? 0,
    output_tokens: usage.output_tokens ?? 0,
    cache_read_tokens: usage.cache_read_tokens ?? 0,
    cache_write_tokens: usage.cache_write_tokens ?? 0,
    reasoning_tokens: usage.output_reasoning_tokens ?? 0,
  });
}

const isTokenCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_TOKENS;
const BOUNDS = "must be an integer between 0 and 1e12";

/**
 * Every count an integer in 0…MAX_TOKENS, cache reads + writes ≤ input, reasoning ≤ output (genai-prices'
 * convention), or a UsageError naming the field: one absurd count would swamp every total of its rollup row.
 * `normalizeUsage` and `priceUsage` (every stored line, the judge's too) both hold to it.
 */
export function checkUsage(u: NormalizedUsage): NormalizedUsage {
  for (const [field, n] of Object.entries(u)) {
    if (!isTokenCount(n)) throw new UsageError(`usage: ${field} (${n}, after normalisation) ${BOUNDS}`);
  }
  if (u.cache_read_tokens + u.cache_write_tokens > u.input_tokens) {
    throw new UsageError(
      `usage: cache reads (${u.cache_read_tokens}) + cache writes (${u.cache_write_tokens}) are part of the prompt ` +
        `and cannot exceed its ${u.input_tokens} input tokens`,
    );
  }
  if (u.reasoning_tokens > u.output_tokens) {
    throw new UsageError(
      `usage: reasoning tokens (${u.reasoning_tokens}) are part of the output and cannot exceed its ${u.output_tokens} tokens`,
    );
  }
  return u;
}

/** The genai-prices usage keys a NormalizedUsage is built from. */
const PRICED_KEYS = new Set(["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "output_reasoning_tokens"]);

type Extractor = NonNullable<NonNullable<ReturnType<typeof findProvider>>["extractors"]>[number];

/** Each raw field an extractor reads into a priced key must itself be a token count; names it otherwise. */
function checkRawCounts(raw: Record<string, unknown>, extractor: Extractor): void {
  for (const { path, dest } of extractor.mappings) {
    if (!PRICED_KEYS.has(dest)) continue;
    const steps = Array.isArray(path) ? path : [path];
    if (!steps.every((s): s is string => typeof s === "string")) continue;
    let value: unknown = raw;
    for (const step of steps) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[step] : undefined;
    if (typeof value === "number" && !isTokenCount(value)) {
      throw new UsageError(`usage.${steps.join(".")}: ${BOUNDS} (got ${value})`);
    }
  }
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
  for (const extractor of provider.extractors) {
    let usage: Usage;
    try {
      // Each extractor reads the usage under its own root (`usage`, `usageMetadata`, …) of a response body.
      usage = extractUsage(provider, { model, ...nest(extractor.root, raw) }, extractor.api_flavor).usage;
    } catch (e) {
      errors.push(`${extractor.api_flavor}: ${(e as Error).message}`);
      continue;
    }
    checkRawCounts(raw, extractor);
    return usage;
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
