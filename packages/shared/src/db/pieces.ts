import { GRAIN_MS, type Grain, grainStart } from "./time.ts";

/**
 * A window as whole rollup buckets: whole 4-week blocks and UTC weeks in the middle, whole days and hours
 * next to them, 15-minute buckets at the very edges (the API's rollup sources and the
 * alert rules' windows read the same pieces).
 */

/** The grains a source may read besides the 15-minute table (which holds everything). */
export interface Allowed {
  "1h": boolean;
  "1d": boolean;
  "1w": boolean;
  "4w": boolean;
}
export const FINER: Record<Grain, Grain> = { "4w": "1w", "1w": "1d", "1d": "1h", "1h": "15m", "15m": "15m" };
/** Starts of the `grain` buckets in [a, b), `a` on a boundary. */
export function grainStarts(grain: Grain, a: number, b: number): number[] {
  const size = GRAIN_MS[grain][0];
  return Array.from({ length: Math.ceil((b - a) / size) }, (_, i) => a + i * size);
}

/** Whole 4-week blocks and UTC weeks in the middle, whole days and hours next to them, 15-minute buckets at the very edges. */
export function pieces(from: number, to: number, allow: Allowed): { grain: Grain; a: number; b: number }[] {
  const out: { grain: Grain; a: number; b: number }[] = [];
  const split = (a: number, b: number, grain: Grain): void => {
    if (a >= b) return;
    if (grain === "15m") {
      out.push({ grain, a, b });
      return;
    }
    const c1 = grainStart(grain, a, Math.ceil);
    const c2 = grainStart(grain, b);
    if (!allow[grain] || c1 >= c2) {
      split(a, b, FINER[grain]);
      return;
    }
    split(a, c1, FINER[grain]);
    out.push({ grain, a: c1, b: c2 });
    split(c2, b, FINER[grain]);
  };
  split(from, to, "4w");
  return out;
}
