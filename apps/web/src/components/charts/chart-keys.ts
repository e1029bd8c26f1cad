import type { KeyboardEvent } from "react";

/**
 * Keyboard access to a chart's points and bars: the chart is one tab stop (roving tabindex: the first
 * point, then the last one focused), arrows move between points (left/right along a series, up/down to the
 * next series at the nearest bucket, Home/End), Enter or Space does what a click does.
 */

/** Where a point sits: series index and row (bucket) index. */
const POINT = "data-point";

export function pointProps(
  at: { series: number; row: number },
  label: string,
  tabStop: boolean,
  activate: () => void,
): { [POINT]: string; tabIndex: number; role: "button"; "aria-label": string; onKeyDown: (e: KeyboardEvent<SVGElement>) => void } {
  return {
    [POINT]: `${at.series}:${at.row}`,
    tabIndex: tabStop ? 0 : -1,
    role: "button",
    "aria-label": label,
    onKeyDown: (e: KeyboardEvent<SVGElement>) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      activate();
    },
  };
}

/** The row of the first point a chart draws for its first series with any value: the initial tab stop. */
export function firstPoint(rows: readonly Record<string, unknown>[], dataKeys: readonly string[]): { series: number; row: number } | null {
  for (let s = 0; s < dataKeys.length; s++) {
    const row = rows.findIndex((r) => typeof r[dataKeys[s]!] === "number");
    if (row >= 0) return { series: s, row };
  }
  return null;
}

/** On the chart's wrapper: moves focus between its points. */
export function movePointFocus(e: KeyboardEvent<HTMLElement>): void {
  const from = (e.target as Element).getAttribute?.(POINT);
  if (!from) return;
  const points = [...e.currentTarget.querySelectorAll<SVGElement>(`[${POINT}]`)].map((el) => {
    const [s, r] = el.getAttribute(POINT)!.split(":").map(Number);
    return { el, s: s!, r: r! };
  });
  const [s0, r0] = from.split(":").map(Number) as [number, number];
  const series = [...new Set(points.map((p) => p.s))].sort((a, b) => a - b);
  const inSeries = (s: number) => points.filter((p) => p.s === s).sort((a, b) => a.r - b.r);
  const nearest = (s: number | undefined) =>
    s === undefined ? undefined : inSeries(s).reduce<(typeof points)[number] | undefined>((best, p) => (!best || Math.abs(p.r - r0) < Math.abs(best.r - r0) ? p : best), undefined);
  const mine = inSeries(s0);
  const si = series.indexOf(s0);
  const target =
    e.key === "ArrowRight" ? mine.find((p) => p.r > r0)
    : e.key === "ArrowLeft" ? mine.filter((p) => p.r < r0).at(-1)
    : e.key === "Home" ? mine[0]
    : e.key === "End" ? mine.at(-1)
    : e.key === "ArrowUp" ? nearest(series[si - 1])
    : e.key === "ArrowDown" ? nearest(series[si + 1])
    : undefined;
  if (!["ArrowRight", "ArrowLeft", "Home", "End", "ArrowUp", "ArrowDown"].includes(e.key)) return;
  e.preventDefault();
  if (!target) return;
  for (const p of points) p.el.setAttribute("tabindex", p === target ? "0" : "-1");
  target.el.focus();
}
