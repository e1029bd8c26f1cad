/**
 * The Review page's shaping, pure: the queue's API input from the URL, the neighbours of an item in the
 * queue, and one row per criterion (the judge's score and rationale, the other reviewers' scores, the
 * spread of every stored review).
 */
import type { Filters, Window } from "../../../lib/filters.ts";
import { currentCursor, readTrail } from "../../runs/lib/cursor-trail.ts";
import type { Draft, Verdict } from "./review-keys.ts";

export const QUEUE_STATUSES = ["pending", "reviewed", "expired", "all"] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export const QUEUE_LIMIT = 50;

/** The page's own URL parameters (the filter bar's model, customer and window are the shared filters). */
export const REVIEW_PARAMS = { status: "status", scoreName: "scoreName", judgeModel: "judgeModel", rubricVersion: "rubricVersion", disagree: "disagree", item: "item" } as const;

export interface QueueInput {
  status: QueueStatus;
  from: number;
  to: number;
  model?: string;
  customerId?: string;
  scoreName?: string;
  /** The judge model and rubric version that scored the item (from an agreement row's link). */
  judgeModel?: string;
  rubricVersion?: string;
  /** Only items where a reviewer's score differs from the judge's (on `scoreName` when given). */
  disagree?: true;
  cursor?: string;
  limit: number;
}

function param(p: URLSearchParams, key: string): string | undefined {
  const v = p.get(key)?.trim();
  return v ? v.slice(0, 200) : undefined;
}

/**
 * `status` (pending unless one of the four), `scoreName`, `judgeModel`, `rubricVersion`, `disagree=1` and the page (`pages`, the Runs page's cursor trail)
 * from the URL; model, customer and window from the filters.
 */
export function queueInput(f: Filters, w: Window, params: URLSearchParams): QueueInput {
  const raw = params.get(REVIEW_PARAMS.status);
  const status = (QUEUE_STATUSES as readonly string[]).includes(raw ?? "") ? (raw as QueueStatus) : "pending";
  const scoreName = param(params, REVIEW_PARAMS.scoreName);
  const judgeModel = param(params, REVIEW_PARAMS.judgeModel);
  const rubricVersion = param(params, REVIEW_PARAMS.rubricVersion);
  const cursor = currentCursor(readTrail(params));
  return {
    status,
    from: w.from,
    to: w.to,
    ...(f.model !== null ? { model: f.model } : {}),
    ...(f.customer !== null ? { customerId: f.customer } : {}),
    ...(scoreName ? { scoreName } : {}),
    ...(judgeModel ? { judgeModel } : {}),
    ...(rubricVersion ? { rubricVersion } : {}),
    ...(params.get(REVIEW_PARAMS.disagree) === "1" ? { disagree: true as const } : {}),
    ...(cursor ? { cursor } : {}),
    limit: QUEUE_LIMIT,
  };
}

/** The filter bar's filters the queue cannot apply (it filters by model, customer and window): named, so the page says so. */
export function unusedFilters(f: Filters): string[] {
  return [...(f.fn !== null ? [`function ${f.fn}`] : []), ...(f.tag !== null ? [`tag ${f.tag.key}`] : [])];
}

/**
 * `/api/export/reviews.csv` for what the queue shows: the same filters without paging, times in the filters'
 * zone. One row per review; the status is the queue's (the export's own default is every status).
 */
export function reviewsExportHref(input: QueueInput, timeZone: string): string {
  const { cursor: _cursor, limit: _limit, ...filters } = input;
  return `/api/export/reviews.csv?input=${encodeURIComponent(JSON.stringify({ ...filters, timeZone }))}`;
}

/**
 * The selected item: the URL's when it is in the queue page; when it has just left the queue (reviewed, so gone
 * from a pending queue), the one that took its place in `before` (the order shown while it was listed), else
 * the one before it; else the first; null for an empty queue.
 */
export function selectedId(ids: readonly string[], wanted: string | null, before: readonly string[] = []): string | null {
  if (wanted && ids.includes(wanted)) return wanted;
  const around = wanted ? neighbours(ids, wanted, before) : null;
  return around?.next ?? around?.previous ?? ids[0] ?? null;
}

/**
 * The items before and after `id` in the queue's order. An id no longer in the queue (just reviewed, so
 * gone from a pending queue) keeps its place through `previousIds`, the order the page showed before.
 */
export function neighbours(ids: readonly string[], id: string | null, previousIds: readonly string[] = []): { previous: string | null; next: string | null } {
  if (id === null) return { previous: null, next: ids[0] ?? null };
  const at = ids.indexOf(id);
  if (at !== -1) return { previous: ids[at - 1] ?? null, next: ids[at + 1] ?? null };
  const was = previousIds.indexOf(id);
  if (was === -1) return { previous: null, next: ids[0] ?? null };
  const next = previousIds.slice(was + 1).find((x) => ids.includes(x)) ?? null;
  const previous = [...previousIds.slice(0, was)].reverse().find((x) => ids.includes(x)) ?? null;
  return { previous, next };
}

export interface JudgeScoreInput {
  name: string;
  rawValue: number;
  rationale: string | null;
}

export interface ReviewInput {
  reviewerLabel: string;
  verdict: Verdict;
  note: string | null;
  createdAt: number;
  scores: readonly { name: string; rawValue: number }[];
}

export interface Spread {
  n: number;
  min: number;
  max: number;
  mean: number;
}

export interface CriterionRow {
  name: string;
  judge: number | null;
  rationale: string | null;
  /** Every other reviewer's score of this criterion, by label. */
  others: { reviewer: string; rawValue: number }[];
  /** Over every stored review (mine included); null without one. */
  spread: Spread | null;
}

/** One row per criterion the judge scored, in the judge's order. */
export function criterionRows(judge: readonly JudgeScoreInput[], reviews: readonly ReviewInput[], mineLabel: string | null): CriterionRow[] {
  return judge.map((j) => {
    const all = reviews.flatMap((r) => r.scores.filter((s) => s.name === j.name).map((s) => ({ reviewer: r.reviewerLabel, rawValue: s.rawValue })));
    const values = all.map((a) => a.rawValue);
    const spread = values.length
      ? { n: values.length, min: Math.min(...values), max: Math.max(...values), mean: values.reduce((a, b) => a + b, 0) / values.length }
      : null;
    return { name: j.name, judge: j.rawValue, rationale: j.rationale, others: all.filter((a) => a.reviewer !== mineLabel), spread };
  });
}

/** The verdicts of the other reviewers, e.g. "2 good, 1 bad" ("" when none). */
export function otherVerdicts(reviews: readonly ReviewInput[], mineLabel: string | null): string {
  const others = reviews.filter((r) => r.reviewerLabel !== mineLabel);
  const good = others.filter((r) => r.verdict === "good").length;
  const bad = others.length - good;
  return [good ? `${good} good` : "", bad ? `${bad} bad` : ""].filter(Boolean).join(", ");
}

/** The caller's stored review as a starting draft (the form starts empty without one: no anchoring on the judge). */
export function draftFrom(names: readonly string[], mine: ReviewInput | null): { scores: (number | null)[]; verdict: Verdict | null; note: string } | undefined {
  if (!mine) return undefined;
  return { scores: names.map((n) => mine.scores.find((s) => s.name === n)?.rawValue ?? null), verdict: mine.verdict, note: mine.note ?? "" };
}

export interface SubmitInput {
  itemId: string;
  verdict: Verdict;
  note?: string;
  scores: { name: string; rawValue: number }[];
}

/** `reviews.submit`'s input from a complete draft (null while something is missing). The note is trimmed; empty = none. */
export function submitInput(itemId: string, names: readonly string[], draft: Draft): SubmitInput | null {
  if (draft.verdict === null || draft.scores.some((s) => s === null) || draft.scores.length !== names.length) return null;
  const note = draft.note.trim();
  return { itemId, verdict: draft.verdict, ...(note ? { note } : {}), scores: names.map((name, i) => ({ name, rawValue: draft.scores[i] as number })) };
}
