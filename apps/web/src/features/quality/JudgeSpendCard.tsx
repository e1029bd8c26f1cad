import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { Money } from "../../components/Money.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { money, num, percent } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc.ts";
import "./quality.css";
import { type JudgeModelInput, type JudgeStatusInput, judgeModels, judgeToday, rateLabel } from "./lib/judge-spend.ts";

/**
 * What scoring costs (issue 23): today's judge spend against the daily budget, runs skipped once it was
 * reached and the sample rate (from `judge.status`, always today in the reporting zone), then per model
 * judged in the page's window the judge's spend and cost per scored run next to the agent's spend.
 */
export function JudgeSpendCard({ models, pending }: { models: readonly JudgeModelInput[] | undefined; pending: boolean }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.judge.status.queryOptions());
  const rows = useMemo(() => (models ? judgeModels(models) : []), [models]);
  return (
    <Card title="Judge spend" subtitle="What scoring costs: the judge's spend per model judged, next to the agent's" className="judge-spend">
      <QueryView query={status} loading={<Skeleton height={64} label="loading judge status" />}>
        {(s) => <Today status={s} />}
      </QueryView>
      {pending ? (
        <Skeleton height={80} label="loading judge spend per model" />
      ) : rows.length === 0 ? (
        <EmptyState title="Nothing judged in this window.">Runs deferred to "score" appear here with what judging them cost.</EmptyState>
      ) : (
        <table aria-label="Judge spend per model judged">
          <thead>
            <tr>
              <th scope="col">Model judged</th>
              <th scope="col" className="num">Judge spend</th>
              <th scope="col" className="num">Judge cost per scored run</th>
              <th scope="col" className="num">Agent spend</th>
              <th scope="col" className="num">Agent cost per run</th>
              <th scope="col">Scores rest on</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.model} data-judge-model={r.model} data-judge-spend={r.judgeSpendMicros ?? ""} data-judge-per-run={r.judgeCostPerScoredRunMicros ?? ""}>
                <td>{r.model || "unknown"}</td>
                <td className="num">
                  <Money micros={r.judgeSpendMicros} unpricedCalls={r.judgeUnpricedCalls} />
                  {r.judgeShareOfAgent !== null ? <div className="small muted">{percent(r.judgeShareOfAgent, undefined, r.judgeShareOfAgent < 0.1 ? 1 : 0)} of agent spend</div> : null}
                </td>
                <td className="num">{r.judgeCostPerScoredRunMicros !== null ? money(r.judgeCostPerScoredRunMicros) : r.judgeUnpricedCalls > 0 ? "unpriced" : "—"}</td>
                <td className="num">
                  <Money micros={r.agentSpendMicros} unpricedCalls={r.unpricedCalls} />
                </td>
                <td className="num">{r.costPerRunMicros !== null ? money(r.costPerRunMicros) : r.unpricedCalls > 0 ? "unpriced" : "—"}</td>
                <td className="small muted" data-coverage={`${r.coverage.scored}/${r.coverage.of}`}>
                  {r.coverage.text}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Today({ status: s }: { status: JudgeStatusInput }) {
  const t = judgeToday(s);
  return (
    <div className="judge-today" data-testid="judge-today" data-day={s.day}>
      <div>
        <div className="small muted">Judge spend today, {t.dayLabel}</div>
        <div className="judge-figure" data-judge-today={s.todayMicros ?? ""}>
          <Money micros={s.todayMicros} unpricedCalls={s.todayMicros === null ? s.todayJudgeCalls : 0} />
          <span className="small muted" data-judge-budget={s.dailyBudgetMicros ?? ""}>
            {s.dailyBudgetMicros === null ? " · no daily budget" : ` of ${money(s.dailyBudgetMicros)} a day`}
          </span>
        </div>
        {s.dailyBudgetMicros !== null ? (
          <div
            className={`bar ${t.reached ? "over" : ""}`}
            role="meter"
            aria-label="Judge budget used today"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(t.barPercent)}
            aria-valuetext={t.use === null ? "no priced judge spend today" : `${percent(t.use)} of the daily judge budget`}
          >
            <span style={{ width: `${t.barPercent}%` }} />
          </div>
        ) : null}
        <div className="small muted">
          {num(s.todayJudgeCalls)} judge call{s.todayJudgeCalls === 1 ? "" : "s"}
          {t.reached ? <span className="badge bad" style={{ marginLeft: 6 }}>budget reached: judging resumes tomorrow</span> : null}
        </div>
      </div>
      <div>
        <div className="small muted">Skipped today (budget reached)</div>
        <div className="judge-figure" data-skipped-today={s.skippedToday}>
          {num(s.skippedToday)} run{s.skippedToday === 1 ? "" : "s"}
        </div>
      </div>
      <div>
        <div className="small muted">Sample rate</div>
        <div className="judge-figure" data-sample-rate={s.sampleRate}>
          {rateLabel(s.sampleRate)}
        </div>
        <div className="small muted">
          of runs judged (<code>TALLY_JUDGE_SAMPLE_RATE</code>); per model and customer in <Link href="/settings">Settings</Link>
        </div>
      </div>
    </div>
  );
}
