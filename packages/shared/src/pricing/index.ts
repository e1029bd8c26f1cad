export { catalogModelId, dearestLineMicros, forgetCatalogMatches, MAX_COST_MICROS, priceUsage, storedProviderIds, toMicros, type PriceOverride, type PricedUsage } from "./price.ts";
export { checkUsage, fill, normalizeUsage, UsageError, type NormalizedUsage, type UsageInput } from "./usage.ts";
export { ALL_UNITS, EXTRA_UNITS, MAX_COUNT, MAX_TOKENS, unitViolations, type UnitDef } from "./units.ts";
