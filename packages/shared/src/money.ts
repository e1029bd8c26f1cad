export const MICROS_PER_USD = 1_000_000;

/**
 * Fraction digits to show for an amount in USD: cents from $0.10 up; below that four significant digits
 * (at most six decimals, one micro-USD), so small per-run costs stay comparable ($0.0106 vs $0.009426,
 * not $0.01 vs $0.009426).
 */
export function moneyFractionDigits(usd: number): number {
  const abs = Math.abs(usd);
  if (abs === 0 || abs >= 0.1) return 2;
  return Math.min(6, Math.max(2, 3 - Math.floor(Math.log10(abs))));
}

/** Formats integer micro-USD for display. NULL means unpriced and is shown as such, never as $0. */
export function formatMicros(micros: number | null, locale = "en-US"): string {
  if (micros === null) return "unpriced";
  const usd = micros / MICROS_PER_USD;
  return currencyFormat(locale, moneyFractionDigits(usd)).format(usd);
}

// Building an Intl.NumberFormat costs far more than formatting with one (thousands of alert messages a tick).
const formats = new Map<string, Intl.NumberFormat>();
function currencyFormat(locale: string, digits: number): Intl.NumberFormat {
  const key = `${locale}|${digits}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: digits });
    if (formats.size < 100) formats.set(key, f);
  }
  return f;
}
