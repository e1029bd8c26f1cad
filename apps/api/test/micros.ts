/**
 * A catalog price (genai-prices' USD float) in whole micro-USD, computed apart from Tally's `toMicros`: rounded
 * half up, the half included that the float lands just under (235.5 micro-USD arrives as 235.49999999999997).
 */
export const micros = (usd: number): number => Math.round(usd * 1_000_000 + 1e-6);
