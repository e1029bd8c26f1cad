/**
 * The agreement card's rows, pure: per score name × judge model × rubric version, each statistic with its
 * 95% interval in words, the low-kappa flag as the API set it, and the link to the disagreements with the
 * page's filters kept.
 */
import { type Filters, hrefWith } from "../../../lib/filters.ts";

export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface AgreementInput {
  name: string;
  judgeModel: string;
  rubricVersion: string;
  n: number;
  exact: Interval | null;
  withinOne: Interval | null;
  kappa: Interval | null;
  mae: Interval | null;
  spearman: Interval | null;
  flagged: boolean;
  disagreementsLink: string;
}

export type StatKey = "exact" | "withinOne" | "kappa" | "mae" | "spearman";

export const STATS: readonly { key: StatKey; label: string; hint: string }[] = [
  { key: "exact", label: "Exact", hint: "share of pairs where the reviewer gave the judge's score" },
  { key: "withinOne", label: "Within 1", hint: "share of pairs at most one point apart" },
  { key: "kappa", label: "Kappa", hint: "quadratic-weighted Cohen's kappa (1 = perfect, 0 = chance)" },
  { key: "mae", label: "MAE", hint: "mean absolute difference, in points of the 1–5 scale" },
  { key: "spearman", label: "Spearman", hint: "rank correlation of judge and reviewer scores" },
];

export interface StatCell {
  key: StatKey;
  text: string;
  /** "95% CI 0.41–0.62", or "" when the statistic is undefined for these pairs. */
  interval: string;
}

export interface AgreementRow {
  key: string;
  name: string;
  judgeModel: string;
  rubricVersion: string;
  n: number;
  cells: StatCell[];
  flagged: boolean;
  /** Why the row is flagged, in words ("" when it is not). */
  flagText: string;
  disagreementsHref: string;
}

const fixed = (v: number, locale: string) => v.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (v: number, locale: string) => v.toLocaleString(locale, { style: "percent", maximumFractionDigits: 0 });

export function statText(key: StatKey, v: number, locale = "en-US"): string {
  return key === "exact" || key === "withinOne" ? pct(v, locale) : fixed(v, locale);
}

/**
 * A link the API made (`/review?…`) with the page's filters laid over it and `disagree=1` (the Review page then
 * lists only items where a reviewer's score differs from the judge's); anything but a same-site path becomes /review.
 */
export function disagreementsHref(link: string, filters: Filters): string {
  const safe = link.startsWith("/") && !link.startsWith("//") ? link : "/review";
  const q = safe.indexOf("?");
  const path = q === -1 ? safe : safe.slice(0, q);
  const page = { ...Object.fromEntries(new URLSearchParams(q === -1 ? "" : safe.slice(q + 1))), disagree: "1" };
  return hrefWith(path, filters, page);
}

/** Sorted by score name, judge model, rubric version. */
export function prepareAgreement(rows: readonly AgreementInput[], filters: Filters, locale = "en-US"): AgreementRow[] {
  return [...rows]
    .sort((a, b) => a.name.localeCompare(b.name) || a.judgeModel.localeCompare(b.judgeModel) || a.rubricVersion.localeCompare(b.rubricVersion))
    .map((r) => ({
      key: `${r.name}\u0000${r.judgeModel}\u0000${r.rubricVersion}`,
      name: r.name,
      judgeModel: r.judgeModel,
      rubricVersion: r.rubricVersion,
      n: r.n,
      cells: STATS.map(({ key }) => {
        const s = r[key];
        return s
          ? { key, text: statText(key, s.value, locale), interval: `95% CI ${statText(key, s.low, locale)}–${statText(key, s.high, locale)}` }
          : { key, text: "—", interval: "" };
      }),
      flagged: r.flagged,
      flagText: r.flagged && r.kappa ? `kappa ${fixed(r.kappa.value, locale)} is below 0.40 over ${r.n.toLocaleString(locale)} pairs: check this rubric version` : "",
      disagreementsHref: disagreementsHref(r.disagreementsLink, filters),
    }));
}
