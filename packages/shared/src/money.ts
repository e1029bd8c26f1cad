export const MICROS_PER_USD = 1_000_000;

/** Formats integer micro-USD for display. NULL means unpriced and is shown as such, never as $0. */
export function formatMicros(micros: number | null, locale = "en-US"): string {
  if (micros === null) return "unpriced";
  const usd = micros / MICROS_PER_USD;
  const digits = Math.abs(usd) > 0 && Math.abs(usd) < 0.01 ? 6 : 2;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: 2,
    maximumFractionDigits: digits,
  }).format(usd);
}
