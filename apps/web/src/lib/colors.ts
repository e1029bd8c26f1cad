/**
 * Chart colours. The values live once, in styles.css (`--series-1` … `--series-16`, `--series-other`, light and
 * `prefers-color-scheme: dark`): a chart draws `var(--series-N)`, so it follows the theme without a re-render.
 * The first eight are Okabe–Ito's hues: in the light set darkened until each passes 3:1 on the panel and the page
 * (sky blue became indigo, black a slate), in the dark set Okabe–Ito's own lighter hues. Eight more, of moderate
 * chroma, each as far in CIELAB as could be found from every colour before it, so 16 models get 16 colours (a
 * team with 12 models saw four pairs share one). colors.test.ts checks contrast and distinctness in both sets.
 */
export const PALETTE = Array.from({ length: 16 }, (_, i) => `var(--series-${i + 1})`);

/** The folded "other" series (several keys at once). */
export const OTHER_COLOR = "var(--series-other)";

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
    return PALETTE[idx % PALETTE.length] ?? "var(--series-1)";
  };
}

/** WCAG 2 contrast ratio of two #rrggbb colours (relative luminance, (L1 + 0.05) / (L2 + 0.05)). */
export function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    if (!/^#[0-9a-f]{6}$/i.test(hex)) throw new Error(`not a #rrggbb colour: ${hex}`);
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}
