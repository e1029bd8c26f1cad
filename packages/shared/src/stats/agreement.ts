import { mulberry32 } from "../random.ts";

/**
 * Judge–human agreement on an ordinal scale (the judge's 1–5). Pure and browser-safe.
 *
 * Every figure is a function of the confusion matrix (rows: the judge's score, columns: the reviewer's), so
 * a bootstrap resample only adds up matrix cells. The 95% intervals are a percentile bootstrap over ITEMS
 * (a cluster bootstrap: an item's pairs, one per reviewer, are drawn together, since they share the judge's
 * score), 1,000 resamples from a fixed seed (mulberry32), so the same pairs always give the same interval.
 */

export interface RatingPair {
  /** The reviewed item: pairs of one item are resampled together. */
  item: string;
  /** The judge's score and the reviewer's, integers on the scale. */
  judge: number;
  human: number;
}

/** A figure with its 95% interval. With one item there is nothing to resample: the interval is the figure itself. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

export interface AgreementFigures {
  /** Share of pairs with the same score. */
  exact: number | null;
  /** Share of pairs at most one point apart. */
  withinOne: number | null;
  /** Quadratic-weighted Cohen's kappa; null when chance disagreement is 0 (both sides gave one score only). */
  kappa: number | null;
  /** Mean absolute difference, in scale points. */
  mae: number | null;
  /** Spearman's rank correlation (mid-ranks for ties); null when either side is constant. */
  spearman: number | null;
}

export interface Agreement {
  /** Judge–reviewer pairs. */
  n: number;
  /** Distinct items. */
  items: number;
  exact: Estimate | null;
  withinOne: Estimate | null;
  kappa: Estimate | null;
  mae: Estimate | null;
  spearman: Estimate | null;
}

export interface Scale {
  min: number;
  max: number;
}

export const JUDGE_SCALE: Scale = { min: 1, max: 5 };
export const BOOTSTRAP_RESAMPLES = 1000;
const BOOTSTRAP_SEED = 0x5eed19;
const FIGURES = ["exact", "withinOne", "kappa", "mae", "spearman"] as const;

/** matrix[judge - min][human - min] = pairs. Throws on a score that is not an integer on the scale. */
export function confusionMatrix(pairs: readonly RatingPair[], scale: Scale = JUDGE_SCALE): number[][] {
  const k = scale.max - scale.min + 1;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const p of pairs) m[cell(p.judge, scale)]![cell(p.human, scale)]!++;
  return m;
}

function cell(v: number, scale: Scale): number {
  if (!Number.isInteger(v) || v < scale.min || v > scale.max) {
    throw new RangeError(`score ${v} is not an integer from ${scale.min} to ${scale.max}`);
  }
  return v - scale.min;
}

/** Mid-rank of each category given its count (ties share the mean of the ranks they span). */
function midRanks(counts: Float64Array): Float64Array {
  let below = 0;
  return counts.map((c) => {
    const r = below + (c + 1) / 2;
    below += c;
    return r;
  });
}

/** The five figures of a square confusion matrix (categories equally spaced, one point apart). */
export function figuresOf(m: readonly (readonly number[])[]): AgreementFigures {
  return figuresOfCells(Float64Array.from(m.flat()), m.length);
}

/** figuresOf on the matrix as k·k cells, row after row (the bootstrap's form: no matrix built per resample). */
function figuresOfCells(m: Float64Array, k: number): AgreementFigures {
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      rows[i]! += m[i * k + j]!;
      cols[j]! += m[i * k + j]!;
    }
  }
  const n = rows.reduce((a, b) => a + b, 0);
  if (n === 0) return { exact: null, withinOne: null, kappa: null, mae: null, spearman: null };
  const rr = midRanks(rows);
  const cr = midRanks(cols);
  const meanRank = (n + 1) / 2;
  let same = 0;
  let near = 0;
  let absDiff = 0;
  let observed = 0;
  let chance = 0;
  let cov = 0;
  let vr = 0;
  let vc = 0;
  for (let i = 0; i < k; i++) {
    vr += rows[i]! * (rr[i]! - meanRank) ** 2;
    vc += cols[i]! * (cr[i]! - meanRank) ** 2;
    for (let j = 0; j < k; j++) {
      const d = Math.abs(i - j);
      const c = m[i * k + j]!;
      if (d === 0) same += c;
      if (d <= 1) near += c;
      absDiff += d * c;
      observed += d * d * c;
      chance += (d * d * rows[i]! * cols[j]!) / n;
      cov += c * (rr[i]! - meanRank) * (cr[j]! - meanRank);
    }
  }
  return {
    exact: same / n,
    withinOne: near / n,
    // Quadratic weights (i − j)²; the usual division by (k − 1)² cancels out.
    kappa: chance > 0 ? 1 - observed / chance : null,
    mae: absDiff / n,
    // Spearman = Pearson correlation of the mid-ranks.
    spearman: vr > 0 && vc > 0 ? Math.max(-1, Math.min(1, cov / Math.sqrt(vr * vc))) : null,
  };
}

/** Linear-interpolated quantile of sorted values (type 7, as R's default and numpy's). */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

export interface AgreementOptions {
  scale?: Scale;
  resamples?: number;
  seed?: number;
}

/** The figures of the pairs, each with its 95% percentile-bootstrap interval over items. */
export function agreement(pairs: readonly RatingPair[], opts: AgreementOptions = {}): Agreement {
  const steps = agreementSteps(pairs, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Item draws between two pauses of `agreementSteps`: a few milliseconds of work. */
export const DRAWS_PER_STEP = 100_000;

/**
 * `agreement` in steps: it pauses (yields) after about every DRAWS_PER_STEP item draws of the bootstrap, so a
 * server can let other requests run in between (1,000 resamples of 2,000 items are 2 million draws) and
 * resume it with the same result.
 */
export function* agreementSteps(pairs: readonly RatingPair[], opts: AgreementOptions = {}): Generator<void, Agreement> {
  const scale = opts.scale ?? JUDGE_SCALE;
  const k = scale.max - scale.min + 1;
  const point = figuresOf(confusionMatrix(pairs, scale));
  // Each item as the cell indices of its pairs: item d's are cells[starts[d]] … cells[starts[d + 1] − 1].
  const byItem = new Map<string, number[]>();
  for (const p of pairs) {
    const cells = byItem.get(p.item) ?? [];
    cells.push(cell(p.judge, scale) * k + cell(p.human, scale));
    byItem.set(p.item, cells);
  }
  const items = [...byItem.values()];
  const cells = Int32Array.from(items.flat());
  const starts = new Int32Array(items.length + 1);
  for (const [d, c] of items.entries()) starts[d + 1] = starts[d]! + c.length;
  const draws: Record<(typeof FIGURES)[number], number[]> = { exact: [], withinOne: [], kappa: [], mae: [], spearman: [] };
  if (items.length >= 2) {
    const next = mulberry32(opts.seed ?? BOOTSTRAP_SEED);
    const m = new Float64Array(k * k);
    const perStep = Math.max(1, Math.floor(DRAWS_PER_STEP / items.length));
    for (let r = 0; r < (opts.resamples ?? BOOTSTRAP_RESAMPLES); r++) {
      if (r > 0 && r % perStep === 0) yield;
      m.fill(0);
      for (let d = 0; d < items.length; d++) {
        const at = Math.floor(next() * items.length);
        for (let c = starts[at]!; c < starts[at + 1]!; c++) m[cells[c]!]!++;
      }
      const f = figuresOfCells(m, k);
      for (const name of FIGURES) if (f[name] !== null) draws[name].push(f[name]);
    }
  }
  const estimate = (name: (typeof FIGURES)[number]): Estimate | null => {
    const value = point[name];
    if (value === null) return null;
    const sorted = draws[name].sort((a, b) => a - b);
    if (sorted.length === 0) return { value, low: value, high: value };
    return { value, low: quantile(sorted, 0.025), high: quantile(sorted, 0.975) };
  };
  return {
    n: pairs.length,
    items: items.length,
    exact: estimate("exact"),
    withinOne: estimate("withinOne"),
    kappa: estimate("kappa"),
    mae: estimate("mae"),
    spearman: estimate("spearman"),
  };
}
