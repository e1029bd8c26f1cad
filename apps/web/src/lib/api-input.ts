import type { Filters, Window } from "./filters.ts";
import { appliedScoreRange } from "../features/runs/lib/score-range.ts";

/** Turns URL filter state into API inputs. Pure. */

export interface AggregateInput {
  from: number;
  to: number;
  timeZone: string;
  models?: string[];
  customerIds?: string[];
  functionSlugs?: string[];
  tags?: Record<string, string>;
}

/**
 * Aggregates (rollups) filter by window, model, customer, and a function or a promoted tag: no rollup keeps
 * both, so with both chosen the tag filters the aggregates and the function applies to Runs only (the
 * filter bar says so).
 */
export function aggregateInput(f: Filters, w: Window): AggregateInput {
  return {
    from: w.from,
    to: w.to,
    timeZone: f.tz,
    ...(f.model !== null ? { models: [f.model] } : {}),
    ...(f.customer !== null ? { customerIds: [f.customer] } : {}),
    ...(f.tag !== null ? { tags: { [f.tag.key]: f.tag.value } } : f.fn !== null ? { functionSlugs: [f.fn] } : {}),
  };
}

/** Whether the function filter is left to Runs (a tag filters the aggregates). */
export const functionForRunsOnly = (f: Filters): boolean => f.fn !== null && f.tag !== null;

export interface RunsInput extends AggregateInput {
  /** "spend": the runs behind a spend figure (the URL's `basis=spend`, set by the spend charts' drill-down). */
  basis?: "spend";
  scoreName?: string;
  scoreMin?: number;
  scoreMax?: number;
  limit: number;
  cursor?: string;
}


/** The rollups' bucket: aggregates cover whole quarters of an hour (the API's effectiveWindow). */
const QUARTER_MS = 15 * 60_000;

/**
 * Runs page parameters: `score` (name), `min`, `max` (0–1), `cursor`. The window is widened to whole
 * quarters of an hour, as every aggregate reads it, so the page lists the runs the Overview counts for the
 * same filter bar (a chart point's bucket is whole quarters already).
 */
export function runsInput(f: Filters, w: Window, params: URLSearchParams, limit = 50): RunsInput {
  const whole = { from: Math.floor(w.from / QUARTER_MS) * QUARTER_MS, to: Math.ceil(w.to / QUARTER_MS) * QUARTER_MS };
  const scoreName = params.get("score") || undefined;
  const { min, max } = appliedScoreRange(params);
  const cursor = params.get("cursor") || undefined;
  return {
    ...aggregateInput(f, whole),
    ...(params.get("basis") === "spend" ? { basis: "spend" as const } : {}),
    ...(f.fn !== null ? { functionSlugs: [f.fn] } : {}),
    ...(scoreName ? { scoreName } : {}),
    ...(scoreName && min !== undefined ? { scoreMin: min } : {}),
    ...(scoreName && max !== undefined ? { scoreMax: max } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  };
}

export type ExportTable = "spend-by-customer" | "spend-by-model" | "runs";

/**
 * A CSV export's address: the same JSON input as the matching tRPC procedure, and the export's own options
 * (spend-by-customer: `search`, `budgetPeriod`). The API names the file after the period and zone.
 */
export function exportHref(table: ExportTable, input: object, options?: Record<string, unknown>): string {
  const opts = options ? Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== "")) : {};
  const tail = Object.keys(opts).length > 0 ? `&options=${encodeURIComponent(JSON.stringify(opts))}` : "";
  return `/api/export/${table}.csv?input=${encodeURIComponent(JSON.stringify(input))}${tail}`;
}
