/** Money entered in dollars, stored as integer micro-USD. Pure. */

/** "12.5" → 12_500_000; "" → null (cleared); invalid → undefined. At most 6 decimals. */
export function parseUsdToMicros(text: string): number | null | undefined {
  const t = text.trim().replace(/^\$/, "").replaceAll(",", "");
  if (t === "") return null;
  const m = /^(\d{1,12})(?:\.(\d{0,6}))?$/.exec(t);
  if (!m) return undefined;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? "").padEnd(6, "0"));
  return whole * 1_000_000 + frac;
}

/** 12_500_000 → "12.5" (for an input's initial value). */
export function microsToUsdInput(micros: number | null): string {
  if (micros === null) return "";
  const whole = Math.trunc(micros / 1_000_000);
  const frac = String(micros % 1_000_000).padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}
