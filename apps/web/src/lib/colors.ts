/** A colour-blind-safe categorical palette (Okabe–Ito, with a darker yellow for contrast on white). */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C7A00", "#555555"] as const;

/**
 * A colour per key by its position in `universe` (every model, or every customer, of the window, sorted),
 * so one model keeps one colour on every chart whatever subset a chart shows. Keys outside the universe
 * fall back to a hash.
 */
export function colorScale(universe: readonly string[]): (key: string) => string {
  const sorted = [...new Set(universe)].sort();
  return (key) => {
    const i = sorted.indexOf(key);
    const idx = i >= 0 ? i : [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    return PALETTE[idx % PALETTE.length] ?? "#0072B2";
  };
}
