import { extractUsage, findProvider, type Provider, type Usage, type UsageExtractor } from "@pydantic/genai-prices";
import { ALL_UNITS, boundsMessage, inBounds, type UnitKind } from "./units.ts";
import { UsageError } from "./usage-error.ts";

/**
 * Providers whose extractors read a raw usage object when no catalog provider is known for it (a model
 * missing from the catalog sent without `provider`, or a provider without extractors), or when none of its
 * provider's own flavours reads it (a provider reached through another's API). Between them they
 * cover every usage shape genai-prices reads: OpenAI chat / responses / realtime / images / embeddings,
 * Anthropic, Google, Bedrock Converse, xAI (chat, legacy, realtime), Perplexity, Cohere, Mistral OCR,
 * Cloudflare, Cursor. Earlier ones win a tie.
 */
const GENERIC_PROVIDERS = ["openai", "anthropic", "google", "aws", "x-ai", "perplexity", "cohere", "mistral", "cloudflare", "cursor"];

export interface RawReading {
  usage: Usage;
  /** `<provider>:<api flavour>` that read it. */
  flavour: string;
}

/**
 * Reads a provider's raw `usage` object with the API flavour its fields fit best: every flavour whose
 * required fields are present is tried, and the one whose mappings read the most numeric fields of the
 * object wins (ties: catalog order). Picking by catalog order alone read xAI chat usage with the legacy
 * flavour and OpenAI Realtime usage as Responses, losing cached, reasoning and audio tokens.
 * The flavours of the model's provider (as sent, or as the catalog attributes the id) come first; when none
 * of them reads the object, those of every usage shape genai-prices reads (GENERIC_PROVIDERS): a provider
 * reached through another's API (Kimi, GLM or DeepSeek through an Anthropic-style API, Grok through
 * Responses) answers in that API's shape, and a model the catalog does not price is then stored unpriced.
 */
export function readRawUsage(raw: Record<string, unknown>, model: string, providerId: string | undefined): RawReading {
  const provider = findProvider({ modelId: model, ...(providerId ? { providerId } : {}) });
  const own: [Provider, UsageExtractor][] = (provider?.extractors ?? []).map((e) => [provider!, e]);
  const generic = GENERIC_PROVIDERS.flatMap((id) => {
    const p = findProvider({ providerId: id });
    return (p?.extractors ?? []).map((e): [Provider, UsageExtractor] => [p!, e]);
  });
  // Before any reading: a count one flavour would refuse must not be dropped by another flavour that reads fewer fields.
  checkCandidateCounts(raw, [...own, ...generic].map(([, e]) => e));
  const errors: string[] = [];
  const best = bestReading(raw, model, own, errors) ?? bestReading(raw, model, generic, own.length ? [] : errors);
  if (!best) {
    const whose = own.length ? `${provider!.id}'s` : "a known provider's";
    throw new UsageError(`usage: not ${whose} usage object (${errors.slice(0, 6).join("; ")}); send promptTokens/completionTokens instead`);
  }
  checkRawCounts(raw, best.extractor);
  return { usage: best.usage, flavour: best.flavour };
}

/** The reading of the candidate flavour that reads the most fields of `raw` (ties: the earlier); failures go to `errors`. */
function bestReading(raw: Record<string, unknown>, model: string, candidates: [Provider, UsageExtractor][], errors: string[]) {
  let best: (RawReading & { score: number; extractor: UsageExtractor }) | undefined;
  for (const [p, extractor] of candidates) {
    let usage: Usage;
    try {
      // Each extractor reads the usage under its own root (`usage`, `usageMetadata`, …) of a response body.
      usage = extractUsage(p, { model, ...nest(extractor.root, raw) }, extractor.api_flavor).usage;
    } catch (e) {
      errors.push(`${p.id}:${extractor.api_flavor}: ${(e as Error).message}`);
      continue;
    }
    const score = fieldsRead(raw, extractor);
    if (!best || score > best.score) best = { usage, flavour: `${p.id}:${extractor.api_flavor}`, score, extractor };
  }
  return best;
}

/** How many distinct numeric fields of `raw` the extractor's mappings read. */
function fieldsRead(raw: Record<string, unknown>, extractor: UsageExtractor): number {
  const read = new Set<string>();
  for (const { path } of extractor.mappings) {
    if (typeof walk(raw, path) === "number") read.add(JSON.stringify(path));
  }
  return read.size;
}

const KIND_BY_KEY = new Map(ALL_UNITS.map((u) => [u.priceKey, u.kind]));

const fieldName = (path: UsageExtractor["mappings"][number]["path"]) => `usage.${steps(path).map((s) => (typeof s === "string" ? s : `[${s.field}]`)).join(".")}`;

/** Each raw field an extractor reads must itself be within its unit's bounds; names it otherwise. */
function checkRawCounts(raw: Record<string, unknown>, extractor: UsageExtractor): void {
  for (const { path, dest } of extractor.mappings) {
    const value = walk(raw, path);
    const kind = KIND_BY_KEY.get(dest) ?? "tokens";
    if (typeof value === "number" && !inBounds(kind, value)) throw new UsageError(`${fieldName(path)}: ${boundsMessage(kind)} (got ${value})`);
  }
}

/**
 * Every field any candidate flavour reads as a count, when present: a number (a string or a boolean is refused, not
 * skipped) within the bounds of at least one unit it is read as. Without this, a provider's own flavour that
 * throws on `cache_creation_input_tokens: -1` gave way to a generic one that does not read the cache fields, and a
 * million cache-read tokens were stored as 0. null counts as absent; an object or array is another shape's field.
 */
function checkCandidateCounts(raw: Record<string, unknown>, extractors: UsageExtractor[]): void {
  const kinds = new Map<string, { path: UsageExtractor["mappings"][number]["path"]; kinds: UnitKind[] }>();
  for (const { path, dest } of extractors.flatMap((e) => e.mappings)) {
    const key = JSON.stringify(path);
    const entry = kinds.get(key) ?? { path, kinds: [] };
    entry.kinds.push(KIND_BY_KEY.get(dest) ?? "tokens");
    kinds.set(key, entry);
  }
  for (const { path, kinds: of } of kinds.values()) {
    const value = walk(raw, path);
    if (value === undefined || value === null || typeof value === "object") continue;
    if (!of.some((kind) => inBounds(kind, value))) {
      const kind = of.includes("tokens") ? "tokens" : of[0]!;
      throw new UsageError(`${fieldName(path)}: ${boundsMessage(kind)} (got ${JSON.stringify(value)})`);
    }
  }
}

type Step = UsageExtractor["mappings"][number]["path"] extends infer P ? (P extends (infer S)[] ? S : P) : never;

function steps(path: UsageExtractor["mappings"][number]["path"]): Step[] {
  return (Array.isArray(path) ? path : [path]) as Step[];
}

/** Follows a mapping path the way genai-prices does (string keys, array items matched by a field). */
function walk(raw: unknown, path: UsageExtractor["mappings"][number]["path"]): unknown {
  let value: unknown = raw;
  for (const step of steps(path)) {
    if (typeof step === "string") {
      value = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[step] : undefined;
    } else {
      value = Array.isArray(value)
        ? value.find((item) => {
            const field = typeof item === "object" && item !== null ? (item as Record<string, unknown>)[step.field] : undefined;
            return typeof field === "string" && matches(step.match, field);
          })
        : undefined;
    }
    if (value === undefined) return undefined;
  }
  return value;
}

type Logic = Extract<Step, { type: "array-match" }>["match"];

/** genai-prices' match logic: case-insensitive except regex. */
function matches(m: Logic, s: string): boolean {
  const l = s.toLowerCase();
  if ("or" in m) return m.or.some((x) => matches(x, s));
  if ("and" in m) return m.and.every((x) => matches(x, s));
  if ("equals" in m) return l === m.equals.toLowerCase();
  if ("starts_with" in m) return l.startsWith(m.starts_with.toLowerCase());
  if ("ends_with" in m) return l.endsWith(m.ends_with.toLowerCase());
  if ("contains" in m) return l.includes(m.contains.toLowerCase());
  return new RegExp(m.regex).test(s);
}

function nest(root: unknown, raw: Record<string, unknown>): Record<string, unknown> {
  const path = typeof root === "string" ? [root] : Array.isArray(root) && root.every((p) => typeof p === "string") ? root : [];
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), raw);
}
