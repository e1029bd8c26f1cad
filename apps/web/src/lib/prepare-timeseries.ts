/**
 * Shapes bucketed series from the API ({ buckets, series: [{ key, points }] }) into recharts rows: one
 * row per bucket, one column per series named `s0`, `s1`, … (model ids may contain dots, which recharts
 * would read as paths). A missing point stays `null` — a gap, never 0. Pure.
 */

export interface Bucket {
  start: number;
  end: number;
}

export interface InputSeries {
  key: string;
  points: readonly (number | null)[];
}

export type SeriesRow = { bucket: number; end: number } & Record<string, number | null>;

export interface SeriesInfo {
  /** Column in each row. */
  dataKey: string;
  /** Series key as the API names it (model or customer id), or OTHER. */
  key: string;
  total: number;
}

export interface PreparedSeries {
  rows: SeriesRow[];
  /** By total descending; OTHER last when series were folded. */
  series: SeriesInfo[];
  /** True when no series had any value. */
  empty: boolean;
}

export const OTHER = "\u0000other";

/**
 * The unpriced calls of a spend series answer in which nothing is priced (every total null): the chart is
 * empty because nothing has a price, not because nothing ran. 0 when anything is priced or nothing ran.
 */
export function unpricedOnly(d: {
  series: readonly { totalMicros: number | null; unpricedCalls: number }[];
  other: { totalMicros: number | null; unpricedCalls: number } | null;
}): number {
  const all = d.other ? [...d.series, d.other] : d.series;
  return all.some((s) => s.totalMicros !== null) ? 0 : all.reduce((a, s) => a + s.unpricedCalls, 0);
}

/**
 * @param maxSeries series beyond the top `maxSeries − 1` by total are summed into OTHER.
 * @param other points the API already summed for the series it left out (`spend.timeseries` with `top`),
 *   added into OTHER.
 */
export function prepareSeries(
  buckets: readonly Bucket[],
  input: readonly InputSeries[],
  maxSeries = Infinity,
  other: readonly (number | null)[] | null = null,
): PreparedSeries {
  const totalled = (s: InputSeries) => ({ s, total: s.points.reduce<number>((a, v) => a + (v ?? 0), 0), any: s.points.some((v) => v !== null) });
  const withTotals = input
    .map(totalled)
    .filter((x) => x.any)
    .sort((a, b) => b.total - a.total || a.s.key.localeCompare(b.s.key));
  const kept = withTotals.length > maxSeries ? withTotals.slice(0, Math.max(0, maxSeries - 1)) : withTotals;
  const folded = other ? [totalled({ key: OTHER, points: other })].filter((x) => x.any) : [];
  const rest = [...withTotals.slice(kept.length), ...folded];

  const series: SeriesInfo[] = kept.map((x, i) => ({ dataKey: `s${i}`, key: x.s.key, total: x.total }));
  if (rest.length) series.push({ dataKey: `s${kept.length}`, key: OTHER, total: rest.reduce((a, x) => a + x.total, 0) });

  const rows: SeriesRow[] = buckets.map((b, bi) => {
    const row = { bucket: b.start, end: b.end } as SeriesRow;
    kept.forEach((x, i) => {
      row[`s${i}`] = x.s.points[bi] ?? null;
    });
    if (rest.length) {
      let sum: number | null = null;
      for (const x of rest) {
        const v = x.s.points[bi];
        if (v !== null && v !== undefined) sum = (sum ?? 0) + v;
      }
      row[`s${kept.length}`] = sum;
    }
    return row;
  });
  return { rows, series, empty: withTotals.length + folded.length === 0 };
}
