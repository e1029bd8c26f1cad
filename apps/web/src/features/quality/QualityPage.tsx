import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { TrendLines } from "../../components/charts/lazy.tsx";
import { ChartSkeleton, EmptyState, NoScoresYet, QueryView } from "../../components/States.tsx";
import { aggregateInput } from "../../lib/api-input.ts";
import { modelListInput } from "../../app/use-filter-options.ts";
import { BUCKET_LENGTH, hrefWith, narrowTo } from "../../lib/filters.ts";
import { Money } from "../../components/Money.tsx";
import { bucketLabel, calledByOtherRuns, num, percent, pricedMoney, score } from "../../lib/format.ts";
import { navigate, useLocation } from "../../lib/router.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useColors } from "../../lib/use-colors.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { AgreementCard } from "./AgreementCard.tsx";
import { CompareChart } from "./CompareChart.tsx";
import { CostQualityScatter } from "./CostQualityScatter.tsx";
import { CoverageNote } from "./CoverageNote.tsx";
import { JudgeSpendCard } from "./JudgeSpendCard.tsx";
import { coverage, trendCoverage } from "./lib/judge-spend.ts";
import { prepareComparison, prepareScatter, prepareTrend, scoreNames } from "./lib/prepare-quality.ts";
import { rememberDrill, viewToRestore } from "./lib/return-view.ts";
import { DiffCell, MinDiffInput, parseMinDiff } from "./MinDiff.tsx";
import { DimensionQuality } from "./DimensionQuality.tsx";
import { useSplit } from "../../components/SplitSelect.tsx";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9];

export default function QualityPage() {
  const trpc = useTRPC();
  const colors = useColors();
  const { filters, window, bucket, params, setParams } = useFilters();
  const { search } = useLocation();
  // Back from a trend point's runs through the nav: the view drilled from, not its one-bucket range.
  useEffect(() => {
    const origin = viewToRestore(sessionStorage, search);
    if (origin !== null) navigate(`/quality${origin}`, { replace: true });
  }, [search]);
  const minDiff = parseMinDiff(params.get("minDiff"));
  const input = aggregateInput(filters, window);
  const { split, available } = useSplit(input);
  // Human-corrected: a reviewed criterion counts the reviewers' mean instead of the judge's score.
  const corrected = params.get("corrected") === "1";
  const trend = useQuery(trpc.quality.trend.queryOptions({ ...input, bucket, ...(corrected ? { corrected } : {}) }));
  const names = useMemo(() => (trend.data ? scoreNames(trend.data) : []), [trend.data]);
  const name = names.includes(params.get("score") ?? "") ? (params.get("score") ?? "") : (names[0] ?? "");
  const trendData = useMemo(() => (trend.data && name ? prepareTrend(trend.data, name) : null), [trend.data, name]);
  const threshold = THRESHOLDS.includes(Number(params.get("threshold"))) ? Number(params.get("threshold")) : 0.7;

  // The baseline defaults to the most-scored model of the trend (the same window and filters). Under a model
  // filter any model of the window can be the baseline (the API reads it whatever the filter).
  const models = trendData?.lines.map((l) => l.model) ?? [];
  const windowModels = useQuery({ ...trpc.spend.byModel.queryOptions(modelListInput(window, filters.tz)), enabled: filters.model !== null });
  const baselineChoices = filters.model === null ? models : [...new Set([...models, ...(windowModels.data?.rows ?? []).map((r) => r.model)])].sort();
  const mostScored = [...(trendData?.lines ?? [])].sort((a, b) => b.n - a.n || a.model.localeCompare(b.model))[0]?.model ?? "";
  const baselineParam = params.get("baseline");
  const baseline = baselineParam && baselineChoices.includes(baselineParam) ? baselineParam : mostScored;
  const withCorrected = corrected ? { corrected } : {};
  const compareFinal = useQuery({ ...trpc.quality.compareModels.queryOptions({ ...input, baselineModel: baseline || "-", scoreNames: [name], ...withCorrected }), enabled: Boolean(name && baseline) });
  const compareRows = useMemo(() => (compareFinal.data ? prepareComparison(compareFinal.data.rows, name, baseline, minDiff.value) : []), [compareFinal.data, name, baseline, minDiff.value]);

  // Asked without a score name too (nothing scored yet, e.g. every run left out of the sample): the judge card reads its rows.
  const cvq = useQuery({ ...trpc.quality.costVsQuality.queryOptions({ ...input, scoreName: name || "-", threshold, ...withCorrected }), enabled: !trend.isPending });
  const scatter = useMemo(() => (cvq.data ? prepareScatter(cvq.data.rows) : null), [cvq.data]);

  const label = (b: number) => bucketLabel(b, BUCKET_LENGTH[bucket], filters.tz);
  const toRuns = (model: string | null, extra: Record<string, string | number | null> = {}) =>
    navigate(hrefWith("/runs", { ...filters, model: model ?? filters.model }, { score: name, ...extra }));

  return (
    <div className="stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Quality</h1>
        <span className="spacer" />
        {names.length ? (
          <label className="row small muted">
            Score
            <select aria-label="Score name" value={name} onChange={(e) => setParams({ score: e.target.value })}>
              {names.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      <Card
        title={`Trend of ${name || "scores"} per model`}
        actions={
          <label className="row small muted">
            <input type="checkbox" checked={corrected} onChange={(e) => setParams({ corrected: e.target.checked ? 1 : null }, { replace: true })} />
            Human-corrected
          </label>
        }
        subtitle={
          <>
            {corrected ? "Mean score (reviewers' mean where a person reviewed, else the judge's; the comparison and cost vs quality too, while run lists show the judge's scores)" : "Mean judge score"} per bucket with its 95% confidence interval
            {trend.data && trendData && !trendData.empty ? <span className="coverage">{trendCoverage(trend.data.series, name).text}</span> : null}
          </>
        }
      >
        <QueryView
          query={trend}
          loading={<ChartSkeleton />}
          isEmpty={() => !trendData || trendData.empty}
          empty={<NoScoresYet />}
        >
          {() =>
            trendData ? (
              <TrendLines
                ariaLabel={`Mean ${name} per model with confidence bands`}
                data={trendData}
                bands
                xLabel={label}
                value={(v) => score(v)}
                color={colors.model}
                height={300}
                onSelect={(row, model) => {
                  // That score's runs in the bucket, lowest first, with the score range preset.
                  const href = hrefWith("/runs", narrowTo({ ...filters, model }, row.bucket, row.end), { score: name, min: 0, max: 1, sort: "score-asc" });
                  rememberDrill(sessionStorage, href, search);
                  navigate(href);
                }}
              />
            ) : null
          }
        </QueryView>
      </Card>
      <div className="grid grid-2">
        <Card
          title="Model comparison"
          subtitle={`Mean ${name || "score"}${corrected ? " (human-corrected)" : ""} with 95% CI; Welch test against the baseline, Holm-corrected across the comparisons; a verdict needs a difference of at least ${score(minDiff.value)}`}
          actions={
            baselineChoices.length > 1 ? (
              <div className="row">
              <MinDiffInput minDiff={minDiff} onChange={(v) => setParams({ minDiff: v }, { replace: true })} />
              <label className="row small muted">
                Baseline
                <select aria-label="Baseline model" value={baseline} onChange={(e) => setParams({ baseline: e.target.value }, { replace: true })}>
                  {baselineChoices.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </label>
              </div>
            ) : null
          }
        >
          {!baseline ? <NoScores pending={trend.isPending} /> : <QueryView query={compareFinal} loading={<ChartSkeleton height={180} />} isEmpty={() => compareRows.length === 0} empty={<EmptyState title="Nothing to compare yet.">Scores for at least one model are needed.</EmptyState>}>
            {() => (
              <>
                <CompareChart rows={compareRows} color={colors.model} onSelect={(m) => toRuns(m)} />
                <table aria-label="Model comparison">
                  <thead>
                    <tr>
                      <th>Model</th>
                      <th className="num">n</th>
                      <th className="num">Mean</th>
                      <th className="num">95% CI</th>
                      <th className="num">Δ vs baseline (95% CI)</th>
                      <th className="num">Holm p</th>
                      <th>Verdict</th>
                      <th>Runs</th>
                    </tr>
                  </thead>
                  <tbody>
                    {compareRows.map((r) => (
                      <tr key={r.model}>
                        <td>{r.model}</td>
                        <td className="num">
                          {num(r.n)}
                          <CoverageNote coverage={coverage(r)} />
                        </td>
                        <td className="num">{score(r.mean)}</td>
                        <td className="num">{r.ciLow !== null && r.ciHigh !== null ? `${score(r.ciLow)}–${score(r.ciHigh)}` : "—"}</td>
                        <DiffCell row={r} />
                        <td>
                          <span className={`badge ${r.verdict === "better" ? "good" : r.verdict === "worse" ? "bad" : ""}`}>{r.verdict}</span>
                        </td>
                        <td className="small">
                          <Link href={hrefWith("/runs", { ...filters, model: r.model }, { score: name, max: 0.5 })}>low (≤ 0.50)</Link>
                          {" · "}
                          <Link href={hrefWith("/runs", { ...filters, model: r.model }, { score: name, min: threshold })}>passing</Link>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </QueryView>}
        </Card>
        <Card
          title="Cost versus quality"
          subtitle={`Cost per run (agent + judge on its runs) against mean ${name || "score"}${corrected ? " (human-corrected)" : ""}; bubble size = runs`}
          actions={
            <label className="row small muted">
              Pass at
              <select aria-label="Pass threshold" value={threshold} onChange={(e) => setParams({ threshold: e.target.value }, { replace: true })}>
                {THRESHOLDS.map((t) => (
                  <option key={t} value={t}>
                    ≥ {score(t)}
                  </option>
                ))}
              </select>
            </label>
          }
        >
          {!name ? <NoScores pending={trend.isPending} /> : <QueryView query={cvq} loading={<ChartSkeleton height={280} />} isEmpty={() => !scatter || (scatter.points.length === 0 && scatter.omitted.length === 0)} empty={<EmptyState title="No runs with both a cost and a score.">Defer both "track-costs" and "score" from your agent.</EmptyState>}>
            {() =>
              scatter && cvq.data ? (
                <>
                  <CostQualityScatter points={scatter.points} color={colors.model} onSelect={(m) => toRuns(m)} />
                  <ScrollRegion label="Cost per passing run"><table aria-label="Cost per passing run">
                    <thead>
                      <tr>
                        <th>Model</th>
                        <th className="num">Runs</th>
                        <th className="num">Cost per run</th>
                        <th className="num">Mean</th>
                        <th className="num">Pass rate</th>
                        <th className="num">$ per passing run</th>
                      </tr>
                    </thead>
                    <tbody>
                      {cvq.data.rows.map((r) => (
                        <tr key={r.model}>
                          <td>{r.model || "unknown"}</td>
                          {/* A run counts under its own (judged) model; a model only other models' runs call has none. */}
                          <td className="num" title={calledByOtherRuns(r)}>
                            {r.runs ? (
                              <>
                                {num(r.runs)}
                                <CoverageNote coverage={coverage(r)} />
                              </>
                            ) : "—"}
                          </td>
                          <td className="num" data-cell="cost-per-run">
                            <Money micros={r.costPerRunMicros} unpricedCalls={r.unpricedCalls} />
                          </td>
                          <td className="num">{score(r.meanScore)}</td>
                          <td className="num">{r.scored ? percent(r.passing / r.scored) : "—"}</td>
                          <td className="num">{r.passing ? pricedMoney(r.costPerPassingRunMicros, r.unpricedCalls).text : "—"}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table></ScrollRegion>
                  {scatter.omitted.length ? (
                    <p className="small muted">Not plotted: {scatter.omitted.map((o) => `${o.model || "unknown"} (${o.reason})`).join(", ")}.</p>
                  ) : null}
                </>
              ) : null
            }
          </QueryView>}
        </Card>
      </div>
      <DimensionQuality input={input} name={name} split={split} available={available} />
      <AgreementCard input={input} filters={filters} />
      <JudgeSpendCard models={cvq.data?.rows} />
    </div>
  );
}

function NoScores({ pending }: { pending: boolean }) {
  if (pending) return <ChartSkeleton height={180} />;
  return <NoScoresYet />;
}
