import { calcPrice, type ModelPrice, type Provider } from "@pydantic/genai-prices";
import { MAX_PRICE_MICROS_PER_MTOK } from "../schemas/analytics.ts";
import { ALL_UNITS, MAX_TOKENS } from "./units.ts";
import { checkUsage, type NormalizedUsage, normalizeModelId, UsageError } from "./usage.ts";

/**
 * The most one usage line can cost: every input and every output token (each at most MAX_TOKENS) at
 * MAX_PRICE_MICROS_PER_MTOK = 2 × 1e12 × 1e9 / 1e6 = 2e15 micro-USD, under 2^53 ≈ 9.007e15, so a cost is
 * always an exact integer. (The catalog's dearest model, o1-pro at $150/$600 per Mtok, tops out at 7.5e14;
 * searches, pages, messages and seconds are bounded at 1e9 so that every catalog line, every unit at its
 * bound, stays under 8e14: units.test.ts checks it model by model. Overrides price tokens only.)
 */
export const MAX_COST_MICROS = (2 * MAX_TOKENS * MAX_PRICE_MICROS_PER_MTOK) / 1_000_000;

export interface PriceOverride {
  model: string;
  /** '' = any provider. */
  provider: string;
  input_micros_per_mtok: number;
  output_micros_per_mtok: number;
  cache_read_micros_per_mtok: number | null;
  cache_write_micros_per_mtok: number | null;
  effective_from: number;
}

export interface PricedUsage {
  /** Provider the price came from; the given provider (or '') when unpriced. */
  provider: string;
  /** NULL when no price is known: unpriced, never $0. */
  costMicros: number | null;
  inputCostMicros: number | null;
  outputCostMicros: number | null;
  /** `override:<model>@<ISO date>`, `genai-prices:<provider>/<model id>`, or `unpriced`. */
  priceSource: string;
}

/** USD (float, as genai-prices returns it) → integer micro-USD, rounded half away from zero. */
export function toMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

/**
 * Prices one usage line at time `at`: the newest custom override in effect wins over the genai-prices
 * catalog (the catalog's own dated prices are honoured through `timestamp`). Both paths go through
 * `calcPrice`, so tiers and cache rates are computed by the same code. Throws a UsageError for counts out of
 * bounds or a cost that would not be an exact integer in 0…MAX_COST_MICROS.
 */
export function priceUsage(
  usage: NormalizedUsage,
  model: string,
  provider: string | undefined,
  at: number,
  overrides: readonly PriceOverride[],
): PricedUsage {
  checkUsage(usage);
  // Every unit the line carries, under its genai-prices key: audio, image, 1-hour cache writes, searches, …
  const calcUsage: Record<string, number> = {};
  for (const unit of ALL_UNITS) {
    calcUsage[unit.priceKey] = (usage as unknown as Record<string, number | undefined>)[unit.column] ?? 0;
  }
  const override = pickOverride(overrides, model, provider, at);
  if (override) {
    const result = calcPrice(calcUsage, model, { provider: overrideProvider(override) });
    if (result) {
      return {
        provider: provider ?? override.provider,
        ...amounts(result),
        priceSource: `override:${override.model}@${new Date(override.effective_from).toISOString()}`,
      };
    }
  }
  const result = calcPrice(calcUsage, model, { timestamp: new Date(at), ...(provider ? { providerId: provider } : {}) });
  if (!result) {
    return { provider: provider ?? "", costMicros: null, inputCostMicros: null, outputCostMicros: null, priceSource: "unpriced" };
  }
  return {
    provider: result.provider.id,
    ...amounts(result),
    priceSource: `genai-prices:${result.provider.id}/${result.model.id}`,
  };
}

function amounts(r: { total_price: number; input_price: number; output_price: number }) {
  const micros = {
    costMicros: toMicros(r.total_price),
    inputCostMicros: toMicros(r.input_price),
    outputCostMicros: toMicros(r.output_price),
  };
  for (const [field, m] of Object.entries(micros)) {
    if (!Number.isSafeInteger(m) || m < 0 || m > MAX_COST_MICROS) {
      throw new UsageError(`${field}: ${m} micro-USD is outside 0…${MAX_COST_MICROS}; check the tokens and the model's price`);
    }
  }
  return micros;
}

function pickOverride(
  overrides: readonly PriceOverride[],
  model: string,
  provider: string | undefined,
  at: number,
): PriceOverride | undefined {
  let best: PriceOverride | undefined;
  const id = normalizeModelId(model);
  for (const o of overrides) {
    if (normalizeModelId(o.model) !== id || o.effective_from > at) continue;
    if (o.provider !== "" && o.provider !== (provider ?? "")) continue;
    // The newest effective date wins; at the same date a provider-specific override beats a generic one.
    if (!best || o.effective_from > best.effective_from || (o.effective_from === best.effective_from && o.provider !== "")) {
      best = o;
    }
  }
  return best;
}

function overrideProvider(o: PriceOverride): Provider {
  const prices: ModelPrice = {
    input_mtok: o.input_micros_per_mtok / 1_000_000,
    output_mtok: o.output_micros_per_mtok / 1_000_000,
  };
  if (o.cache_read_micros_per_mtok !== null) prices.cache_read_mtok = o.cache_read_micros_per_mtok / 1_000_000;
  if (o.cache_write_micros_per_mtok !== null) prices.cache_write_mtok = o.cache_write_micros_per_mtok / 1_000_000;
  return {
    id: o.provider || "custom",
    name: "Custom price override",
    api_pattern: ".*",
    models: [{ id: o.model, match: { equals: normalizeModelId(o.model) }, prices }],
  };
}
