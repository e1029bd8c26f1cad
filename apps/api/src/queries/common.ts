import { t975, variance } from "@tally/shared";
import { BUCKET_MS } from "@tally/shared/db";

/** What every aggregate filters on (the parsed shared input). */
export interface AggregateFilter {
  from: number;
  to: number;
  timeZone: string;
  models?: string[] | undefined;
  customerIds?: string[] | undefined;
  /** Runs of these functions (the function cuboid). */
  functionSlugs?: string[] | undefined;
  /** At most one promoted tag key with its value ('' = runs without it): the tag cuboid (source.ts `checkTagFilter`). */
  tags?: Record<string, string> | undefined;
}

export interface Window {
  from: number;
  to: number;
}

/**
 * Aggregates cover whole 15-minute rollup buckets: [from floored, to rounded up). The effective window is
 * returned with every answer, so a drill-down into runs.list with the same bounds sees the same rows.
 */
export function effectiveWindow(f: { from: number; to: number }): Window {
  return { from: Math.floor(f.from / BUCKET_MS) * BUCKET_MS, to: Math.ceil(f.to / BUCKET_MS) * BUCKET_MS };
}

/** The previous period of equal length, ending where the window starts. */
export function previousWindow(w: Window): Window {
  return { from: w.from - (w.to - w.from), to: w.from };
}

export interface Stat {
  /** null when nothing was scored: "not scored" is not a zero. */
  mean: number | null;
  n: number;
  /** 95% normal-approximation interval, clamped to [0, 1]; null below n = 2. */
  ciLow: number | null;
  ciHigh: number | null;
}

export { variance };

export function stat(n: number, sum: number, sumSq: number): Stat {
  if (n <= 0) return { mean: null, n: 0, ciLow: null, ciHigh: null };
  const mean = sum / n;
  const v = variance(n, sum, sumSq);
  if (v === null) return { mean, n, ciLow: null, ciHigh: null };
  // Student's t with n − 1 df: two scores span ± 12.7 standard errors, not ± 1.96.
  const half = t975(n - 1) * Math.sqrt(v / n);
  return { mean, n, ciLow: Math.max(0, mean - half), ciHigh: Math.min(1, mean + half) };
}

/** Opaque cursors: base64url JSON. A malformed cursor is treated as a bad input by the caller. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!check(v)) throw new InvalidCursorError();
  return v;
}

/** The caller's mistake about one field: the API answers 400 with the message under that field. */
export class InputError extends Error {
  readonly issues: { path: string[]; message: string }[];
  constructor(field: string, message: string) {
    super(message);
    this.name = "InputError";
    this.issues = [{ path: [field], message }];
  }
}

/** Carries zod-like `issues`, so the API reports it as a field error on `cursor`. */
export class InvalidCursorError extends InputError {
  constructor() {
    super("cursor", "invalid cursor");
    this.name = "InvalidCursorError";
  }
}

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Money from the rollups: the priced sum when at least one of its calls was priced, else null. Unpriced
 * usage adds nothing to `cost_micros`, so without a priced call the sum is "unknown", never $0 (a model
 * priced at $0 still has priced calls, so its 0 stays a real 0).
 */
export const money = (micros: unknown, pricedCalls: unknown): number | null => (num(pricedCalls) > 0 ? num(micros) : null);

/** Sum of two money fields: null only when both are. */
export const addMoney = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : a + b);

/**
 * Cost per run: priced spend / priced runs. A priced run is a run with an agent usage line that has a price,
 * counted once (the run rollups' `priced_runs`, at the run's own time, customer, function and tags) wherever
 * runs of several models add up: the Overview, customers, functions and tags. Per model (spend.byModel rows,
 * quality.costVsQuality, a model filter) it is the runs with a priced line of that model, each once however
 * many lines of it they report (the usage rollups' `priced_runs`, on each run's first priced line of the
 * model; under a filter on several models, once per model). Null without a priced run. Money is integer
 * micro-USD to the API: the quotient is rounded to the nearest micro-USD.
 */
/**
 * Whether priced runs are counted per model: in a model's row, and in every figure under a model filter (the
 * usage rollups' `priced_runs`, on each run's first priced line of a filtered model), rather than once per run
 * at the run's own model (the run rollups'), which would miss a run that used the model for a side call.
 */
export const pricedRunsPerModel = (f: { models?: readonly string[] | undefined }, dim?: string): boolean => dim === "model" || (f.models?.length ?? 0) > 0;

export const costPerRun = (spend: number | null, pricedRuns: number): number | null =>
  spend !== null && pricedRuns > 0 ? Math.round(spend / pricedRuns) : null;

/**
 * THE cost per run of a model (or of everything), one definition for every page (Overview, Spend, Quality):
 * priced agent spend + the judge's priced spend on those runs (judge lines keyed by the judged model, from the
 * run rollups), over priced runs (`costPerRun`). Null without a priced run, and when neither spend is priced.
 */
export const runCostPerRun = (agentSpend: number | null, judgeSpendOnRuns: number | null, pricedRuns: number): number | null =>
  costPerRun(addMoney(agentSpend, judgeSpendOnRuns), pricedRuns);
