import { describe, expect, it } from "vitest";
import { OTHER, prepareSeries, unpricedOnly } from "./prepare-timeseries.ts";

const H = 3_600_000;
const buckets = [0, 1, 2].map((i) => ({ start: i * H, end: (i + 1) * H }));

describe("prepareSeries", () => {
  it("makes one row per bucket and keeps gaps as null, not zero", () => {
    const p = prepareSeries(buckets, [
      { key: "gpt-4.1", points: [5, null, 1] },
      { key: "claude", points: [null, null, 7] },
    ]);
    expect(p.series).toEqual([
      { dataKey: "s0", key: "claude", total: 7 },
      { dataKey: "s1", key: "gpt-4.1", total: 6 },
    ]);
    expect(p.rows).toEqual([
      { bucket: 0, end: H, s0: null, s1: 5 },
      { bucket: H, end: 2 * H, s0: null, s1: null },
      { bucket: 2 * H, end: 3 * H, s0: 7, s1: 1 },
    ]);
    expect(p.empty).toBe(false);
  });

  it("folds small series into other, keeping gaps where none of them had data", () => {
    const p = prepareSeries(buckets, [
      { key: "a", points: [10, 10, 10] },
      { key: "b", points: [1, null, null] },
      { key: "c", points: [2, null, null] },
    ], 2);
    expect(p.series.map((s) => s.key)).toEqual(["a", OTHER]);
    expect(p.rows.map((r) => r.s1)).toEqual([3, null, null]);
  });

  it("adds the points the API summed for the series it left out into other", () => {
    const p = prepareSeries(buckets, [{ key: "a", points: [10, 10, 10] }], 2, [4, null, 1]);
    expect(p.series.map((s) => [s.key, s.total])).toEqual([["a", 30], [OTHER, 5]]);
    expect(p.rows.map((r) => r.s1)).toEqual([4, null, 1]);
    const both = prepareSeries(buckets, [{ key: "a", points: [10, 10, 10] }, { key: "b", points: [1, null, null] }, { key: "c", points: [2, 2, null] }], 2, [4, null, 1]);
    expect(both.rows.map((r) => r.s1)).toEqual([7, 2, 1]);
    expect(prepareSeries(buckets, [], 8, [null, null, null]).empty).toBe(true);
  });

  it("drops series without any value and reports empty", () => {
    const p = prepareSeries(buckets, [{ key: "x", points: [null, null, null] }]);
    expect(p.series).toEqual([]);
    expect(p.empty).toBe(true);
    expect(p.rows).toHaveLength(3);
  });
});

describe("unpricedOnly", () => {
  it("counts the unpriced calls when nothing in the answer is priced, else 0", () => {
    const s = (totalMicros: number | null, unpricedCalls: number) => ({ totalMicros, unpricedCalls });
    expect(unpricedOnly({ series: [s(null, 3), s(null, 2)], other: s(null, 4) })).toBe(9);
    expect(unpricedOnly({ series: [s(null, 3), s(0, 0)], other: null })).toBe(0); // priced at $0 is priced
    expect(unpricedOnly({ series: [s(null, 3)], other: s(12, 1) })).toBe(0);
    expect(unpricedOnly({ series: [], other: null })).toBe(0);
  });
});
