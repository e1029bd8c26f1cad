/**
 * The dimension views (issue 20): spend and quality split by function slug or by a promoted tag's values.
 * Pure: the split chosen in the URL, a value's label, the filters a row or chart point drills into, and
 * the quality rows grouped per score name. Components only render.
 */
import type { Filters } from "./filters.ts";

export type Split = { dimension: "function" } | { dimension: "tag"; tagKey: string };

/** The page parameter holding the split: `by=function` (default) or `by=tag:<key>`. */
export const SPLIT_PARAM = "by";

/**
 * The splits an aggregate filtered like `input` can read: no rollup keeps a function and a tag together,
 * so a function filter allows only By function, a tag filter only By that tag; otherwise By function and
 * By each ready promoted key.
 */
export function availableSplits(input: { functionSlugs?: string[]; tags?: Record<string, string> }, readyKeys: readonly string[]): Split[] {
  const tagged = Object.keys(input.tags ?? {});
  if (tagged.length > 0) return tagged.map((tagKey) => ({ dimension: "tag", tagKey }));
  if (input.functionSlugs?.length) return [{ dimension: "function" }];
  return [{ dimension: "function" }, ...readyKeys.map((tagKey): Split => ({ dimension: "tag", tagKey }))];
}

/** The split in the URL when available, else the first available one. */
export function parseSplit(params: URLSearchParams, available: readonly Split[]): Split {
  const by = params.get(SPLIT_PARAM) ?? "function";
  return available.find((s) => (splitParam(s) ?? "function") === by) ?? available[0] ?? { dimension: "function" };
}

export const splitParam = (s: Split): string | null => (s.dimension === "tag" ? `tag:${s.tagKey}` : null);

/** The choices of the split control. */
export function splitChoices(available: readonly Split[]): { value: string; label: string }[] {
  return available.map((s) => (s.dimension === "tag" ? { value: `tag:${s.tagKey}`, label: `By tag: ${s.tagKey}` } : { value: "function", label: "By function" }));
}

/** A row's label: the slug, or the tag value ('' = runs without the tag). */
export const valueLabel = (s: Split, value: string): string => (value !== "" ? value : s.dimension === "tag" ? "untagged" : "unknown function");

/** The API input part of a split (spend.byDimension, quality.byDimension). */
export const splitInput = (s: Split): { dimension: "function" | "tag"; tagKey?: string } =>
  s.dimension === "tag" ? { dimension: "tag", tagKey: s.tagKey } : { dimension: "function" };

/** The spend.timeseries split of the same view (series keyed by value). */
export const seriesSplit = (s: Split): { splitBy: "function" | "tag"; tagKey?: string } =>
  s.dimension === "tag" ? { splitBy: "tag", tagKey: s.tagKey } : { splitBy: "function" };

/**
 * The filters a row (or chart point) of `value` drills into: the page's filters kept, the function or tag
 * filter set to the value. A tag filter on another key is replaced (an aggregate reads one tag at a time).
 */
export function drillFilters(f: Filters, s: Split, value: string): Filters {
  return s.dimension === "function" ? { ...f, fn: value } : { ...f, tag: { key: s.tagKey, value } };
}

export interface QualityCell {
  value: string;
  name: string;
  mean: number | null;
  n: number;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface QualityGroup<C extends QualityCell> {
  name: string;
  /** By mean, highest first (unscored last), ties by value. */
  rows: C[];
}

/** quality.byDimension's rows grouped per score name (names in alphabetical order). */
export function groupQuality<C extends QualityCell>(rows: readonly C[]): QualityGroup<C>[] {
  const byName = new Map<string, C[]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return [...byName]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, list]) => ({
      name,
      rows: list.sort((a, b) => (b.mean ?? -1) - (a.mean ?? -1) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)),
    }));
}

/** "0.82 (0.78–0.86)": the mean with its 95% interval, two decimals; "—" unscored, no interval below n = 2. */
export function meanWithCi(c: Pick<QualityCell, "mean" | "ciLow" | "ciHigh">): string {
  if (c.mean === null) return "—";
  const ci = c.ciLow !== null && c.ciHigh !== null ? ` (${c.ciLow.toFixed(2)}–${c.ciHigh.toFixed(2)})` : "";
  return `${c.mean.toFixed(2)}${ci}`;
}
