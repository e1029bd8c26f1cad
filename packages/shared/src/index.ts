// Browser-safe exports only. Database code lives behind `@tally/shared/db`, pricing behind
// `@tally/shared/pricing` (it carries the genai-prices catalog).
export * from "./schemas/payloads.ts";
export { formatMicros, MICROS_PER_USD, moneyFractionDigits } from "./money.ts";
export * from "./schemas/analytics.ts";
export { catalogId, wellFormedString } from "./schemas/strings.ts";
export { mulberry32 } from "./random.ts";
export { MAX_BATCH_CALLS } from "./limits.ts";
export { type Capability, CAPABILITIES, can, emailSchema, PASSWORD_MAX, PASSWORD_MIN, passwordSchema, type Role, ROLE_LABELS, ROLES, roleSchema } from "./roles.ts";
export { dayStart, type LocalParts, localParts, monthKey, monthShares, monthStart, monthsIn, zoneOffset } from "./months.ts";
export * from "./schemas/access.ts";
export * from "./schemas/judge.ts";
export { type Agreement, type AgreementFigures, agreement, agreementSteps, BOOTSTRAP_RESAMPLES, confusionMatrix, type Estimate, figuresOf, JUDGE_SCALE, type RatingPair } from "./stats/agreement.ts";
export * from "./schemas/pricing-admin.ts";
export { forecastForMonth, forecastMonthEnd, type MonthCalendar, monthCalendar, type MonthForecast } from "./forecast.ts";
export * from "./schemas/alerts.ts";
export * from "./schemas/reviews.ts";
export { type ScoreSums, variance, type WelchTest, welchTest } from "./score-stats.ts";
export { t975, tTwoSidedP } from "./stats/student-t.ts";
export { ALPHA, holm, twoSidedP } from "./stats/multiple-comparisons.ts";
export * from "./schemas/dimensions.ts";
