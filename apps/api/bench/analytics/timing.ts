/** Timing for the analytics bench: quantiles of timed calls, within a budget. */
export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
};

export interface Timing<T> {
  p50: number;
  p95: number;
  n: number;
  /** The last call's answer. */
  answer: T;
}

export interface TimingPlan {
  n: number;
  warmup: number;
  min: number;
  budget: number;
}

/** Up to `n` timed calls after `warmup`, stopping early (at `min` samples or more) once `budget` ms are spent. */
export async function time<T>(fn: () => Promise<T>, o: TimingPlan): Promise<Timing<T>> {
  for (let i = 0; i < o.warmup; i++) await fn();
  const xs: number[] = [];
  let answer!: T;
  const started = performance.now();
  for (let i = 0; i < o.n && (xs.length < o.min || performance.now() - started < o.budget); i++) {
    const t0 = performance.now();
    answer = await fn();
    xs.push(performance.now() - t0);
  }
  return { p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), n: xs.length, answer };
}

/** A raw GROUP BY over a year takes seconds at 1M runs: up to three calls within 20 s, at least one; over 30 days up to five within 8 s, at least two. */
export const RAW_PLAN = (days: number): TimingPlan => (days > 30 ? { n: 3, warmup: 0, min: 1, budget: 20_000 } : { n: 5, warmup: 1, min: 2, budget: 8000 });

export const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)).padStart(8);
