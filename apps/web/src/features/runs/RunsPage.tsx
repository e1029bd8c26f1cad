import { MAX_SPEND_BASIS_DAYS, MAX_SPEND_BASIS_MS } from "@tally/shared";
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { ExportLink } from "../../components/ExportLink.tsx";
import { FocusKeepingButton } from "../../components/FocusKeepingButton.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { exportHref, runsInput } from "../../lib/api-input.ts";
import { dateTime, num, pricedMoney, score } from "../../lib/format.ts";
import { useLocation } from "../../lib/router.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { currentCursor, nextTrail, prevTrail, readTrail } from "./lib/cursor-trail.ts";
import { appliedScoreRange, scoreRangeProblem } from "./lib/score-range.ts";
import { RunsTable } from "./RunsTable.tsx";

const PAGE_SIZE = 50;
const SORTS = {
  "time-desc": "Newest first",
  "time-asc": "Oldest first",
  "cost-desc": "Most expensive first",
  "cost-asc": "Cheapest first",
  "score-asc": "Lowest score first",
  "score-desc": "Highest score first",
} as const;
type Sort = keyof typeof SORTS;
const readSort = (v: string | null): Sort => (v !== null && v in SORTS ? (v as Sort) : "time-desc");

export default function RunsPage() {
  const trpc = useTRPC();
  const { filters, window, params, setParams, setFilters } = useFilters();
  const { search } = useLocation();
  const trail = readTrail(params);
  const cursor = currentCursor(trail);
  const base = runsInput(filters, window, params, PAGE_SIZE);
  const sort = readSort(params.get("sort"));
  const input = { ...base, sort, ...(cursor ? { cursor } : {}) };
  const bySpend = base.basis === "spend";
  // The runs behind spend are found from the raw usage lines, over at most MAX_SPEND_BASIS_DAYS (the API's limit).
  const tooLong = bySpend && base.to - base.from > MAX_SPEND_BASIS_MS;
  const runs = useQuery({ ...trpc.runs.list.queryOptions(input), enabled: !tooLong });
  const scoreNames = useQuery(trpc.runs.scoreNames.queryOptions());
  const scoreName = params.get("score");
  const range = appliedScoreRange(params);
  const pageNo = trail.length + 1;
  const loadingPage = runs.isPlaceholderData;
  const spentHere = runs.data?.inView?.calls ? ` Their spend here: ${spendText(runs.data.inView)}.` : "";

  return (
    <div className="stack">
      <h1>Runs</h1>
      <Card
        title={`${bySpend ? "Runs behind the spend" : "Runs"}${filters.range === "custom" ? ` from ${dateTime(window.from, filters.tz)} to ${dateTime(window.to, filters.tz)}` : ""}`}
        subtitle={`${runs.data ? `${num(runs.data.total)} run${runs.data.total === 1 ? "" : "s"}.${spentHere} ` : ""}${SORTS[sort]}${sort.startsWith("score") ? (scoreName ? ` by ${scoreName}` : " (each run's lowest score)") : ""}. Click a run to see its scores, rationale and cost lines.`}
        actions={
          <>
            <label>
              Sort
              <select value={sort} onChange={(e) => setParams({ sort: e.target.value === "time-desc" ? null : e.target.value, pages: null })} data-testid="runs-sort">
                {Object.entries(SORTS).map(([value, label]) => (
                  <option key={value} value={value}>{label}</option>
                ))}
              </select>
            </label>
            <ScoreFilter key={`${scoreName}|${params.get("min")}|${params.get("max")}`} names={scoreNames.data ?? []} name={scoreName} min={params.get("min")} max={params.get("max")} onApply={(p) => setParams({ ...p, pages: null })} />
            {/* Every run matching the filters, not only this page; the API names the file after the period and zone. */}
            {tooLong ? null : (
              <ExportLink className="btn" href={exportHref("runs", base)} data-testid="export-runs-csv">
                Export CSV
              </ExportLink>
            )}
          </>
        }
      >
        {bySpend ? (
          <p className="row small" data-testid="spend-basis">
            <span className="chip">
              by spend
              <button type="button" aria-label="List runs by their own model, customer and time" onClick={() => setParams({ basis: null, pages: null })}>
                ×
              </button>
            </span>
            <span className="muted">
              Runs that spent in this view, booked as the spend charts book them: an agent call at its own model, customer and time; the
              judge&apos;s spend under the run it judged. &ldquo;Spent here&rdquo; is that part of each run&apos;s cost.
            </span>
          </p>
        ) : null}
        {scoreName ? (
          <p className="row small">
            <span className="chip">
              {scoreName}
              {range.min !== undefined || range.max !== undefined ? ` ${score(range.min ?? 0)}–${score(range.max ?? 1)}` : ""}
              <button type="button" aria-label="Remove score filter" onClick={() => setParams({ score: null, min: null, max: null, pages: null })}>
                ×
              </button>
            </span>
          </p>
        ) : null}
        {tooLong ? (
          <EmptyState title={`The runs behind spend are listed over at most ${MAX_SPEND_BASIS_DAYS} days; this range is longer.`}>
            <span className="row">
              {/* The API reads whole quarters of an hour: the end is rounded up first, so the 92 days stay 92. */}
              <button type="button" onClick={() => setFilters({ range: "custom", from: base.to - MAX_SPEND_BASIS_MS, to: base.to })}>
                Last {MAX_SPEND_BASIS_DAYS} days of this range
              </button>
              <button type="button" onClick={() => setParams({ basis: null, pages: null })}>
                Runs by their own model and customer
              </button>
            </span>
          </EmptyState>
        ) : (
          <QueryView
            query={runs}
            loading={<Skeleton height={320} label="loading runs" />}
            isEmpty={(d) => d.items.length === 0}
            empty={
              <EmptyState title="No runs match these filters.">
                {/* A model only other models' runs call (a triage model) has no runs of its own, but runs spent on it. */}
                {filters.model !== null && !bySpend && !scoreName ? (
                  <button type="button" onClick={() => setParams({ basis: "spend", pages: null })} data-testid="runs-by-spend">
                    Runs that spent on {filters.model || "the unknown model"}
                  </button>
                ) : null}
                {filters.range === "custom" || filters.model !== null || filters.customer !== null || filters.fn || filters.tag || scoreName ? (
                  <button type="button" onClick={() => setFilters({ range: "7d", from: null, to: null, model: null, customer: null, fn: null, tag: null }, ["score", "min", "max", "basis"])}>
                    Reset filters
                  </button>
                ) : (
                  <>Runs appear when your agent calls defer("track-costs", …) or defer("score", …).</>
                )}
              </EmptyState>
            }
          >
            {(d) => (
              <>
                {/* While another page loads, the rows shown are the last page's: dimmed and busy, the pager says so. */}
                <div className={loadingPage ? "stale" : undefined} aria-busy={loadingPage || undefined}>
                  <RunsTable rows={d.items} filters={filters} listSearch={search} spentHere={bySpend} />
                </div>
                <div className="pager">
                  <span className="muted small" data-testid="runs-page" aria-live="polite">
                    {loadingPage ? `Loading page ${pageNo}…` : `Page ${pageNo} of ${num(Math.max(1, Math.ceil(d.total / PAGE_SIZE)))}`}
                  </span>
                  <button type="button" disabled={loadingPage || trail.length === 0} onClick={() => setParams({ pages: prevTrail(trail) })}>
                    Previous
                  </button>
                  <button type="button" disabled={loadingPage || !d.nextCursor} onClick={() => d.nextCursor && setParams({ pages: nextTrail(trail, d.nextCursor) })}>
                    Next
                  </button>
                </div>
              </>
            )}
          </QueryView>
        )}
      </Card>
    </div>
  );
}

/** "$1.23", "$1.23 + 3 unpriced calls" or "3 unpriced calls" (never $0 for what was not priced). */
function spendText(v: { costMicros: number | null; unpricedCalls: number }): string {
  const m = pricedMoney(v.costMicros, v.unpricedCalls);
  if (v.costMicros === null) return m.note ?? m.text;
  return m.note ? `${m.text} ${m.note}` : m.text;
}

function ScoreFilter({ names, name, min, max, onApply }: {
  /** The score names that exist (runs.scoreNames), case exact. */
  names: string[];
  name: string | null;
  min: string | null;
  max: string | null;
  onApply: (p: Record<string, string | null>) => void;
}) {
  const [n, setN] = useState(name ?? "");
  const [lo, setLo] = useState(min ?? "");
  const [hi, setHi] = useState(max ?? "");
  const problem = scoreRangeProblem(n, lo, hi);
  const problemId = useId();
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        onApply({ score: n.trim() || null, min: n.trim() && lo ? lo : null, max: n.trim() && hi ? hi : null });
      }}
    >
      <label>
        Score name
        <select value={n} onChange={(e) => setN(e.target.value)} data-testid="score-name">
          <option value="">any score</option>
          {/* A name from the URL that no run has (yet) stays selectable rather than silently dropped. */}
          {(n && !names.includes(n) ? [n, ...names] : names).map((x) => (
            <option key={x} value={x}>{x}</option>
          ))}
        </select>
      </label>
      <label>
        Min
        <input type="number" min={0} max={1} step={0.01} value={lo} onChange={(e) => setLo(e.target.value)} style={{ width: 76 }} />
      </label>
      <label>
        Max
        <input type="number" min={0} max={1} step={0.01} value={hi} onChange={(e) => setHi(e.target.value)} style={{ width: 76 }} />
      </label>
      <FocusKeepingButton type="submit" unavailable={problem !== null} aria-describedby={problemId}>
        Filter
      </FocusKeepingButton>
      <span id={problemId} className="small muted" role="status">
        {problem}
      </span>
    </form>
  );
}
