export { priceUsage, toMicros, type PriceOverride, type PricedUsage } from "./price.ts";
export { checkUsage, normalizeUsage, UsageError, type NormalizedUsage, type UsageInput } from "./usage.ts";
