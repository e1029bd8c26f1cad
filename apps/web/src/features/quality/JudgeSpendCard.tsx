import { useQuery } from "@tanstack/react-query";
import { Card } from "../../components/Card.tsx";
import { Money } from "../../components/Money.tsx";
import { QueryView, Skeleton } from "../../components/States.tsx";
import { money, moneyColumn, num, percent } from "../../lib/format.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import type { Filters } from "../../lib/filters.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { Link } from "../../components/Link.tsx";
import "./quality.css";
import { type JudgeModelInput, type JudgeStatusInput, judgeModels, judgeToday } from "./lib/judge-spend.ts";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

/**
 * What scoring costs (issue 23): today's judge spend against the daily budget, runs skipped once it was
 * reached and the sample rate (`judge.status`: always today in the reporting zone), then per model judged
 * in the page's window the judge's spend and cost per scored run next to the agent's spend.
 */
export function JudgeSpendCard({ models }: { models: readonly JudgeModelInput[] | undefined }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.judge.status.queryOptions());
  const overrides = useQuery(trpc.judge.sampling.list.queryOptions());
  const { filters } = useFilters();
  const rows = judgeModels(models ?? []);
  // One precision per column.
  const col = {
    judge: moneyColumn(rows.map((r) => r.judgeSpendMicros)),
    perRun: moneyColumn(rows.map((r) => r.judgeCostPerScoredRunMicros)),
    agent: moneyColumn(rows.map((r) => r.agentSpendMicros)),
  };
  return (
    <Card title="Judge spend" subtitle="What scoring costs, next to the agent's spend" className="judge-spend">
      <QueryView query={status} loading={<Skeleton height={64} />}>
        {(s) => <Today s={s} overrides={overrides.data ?? []} filters={filters} />}
      </QueryView>
      {rows.length ? (
        <ScrollRegion label="Judge spend per model judged"><table aria-label="Judge spend per model judged">
          <thead>
            <tr>
              <th>Model judged</th>
              <th className="num">Judge spend</th>
              <th className="num">Judge cost per scored run</th>
              <th className="num">Agent spend</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.model} data-judge-model={r.model}>
                <td>{r.model || "unknown"}</td>
                <td className="num">
                  <Money micros={r.judgeSpendMicros} unpricedCalls={r.judgeUnpricedCalls} format={col.judge} />
                </td>
                <td className="num">{r.judgeCostPerScoredRunMicros !== null ? col.perRun(r.judgeCostPerScoredRunMicros) : r.judgeUnpricedCalls ? "unpriced" : "—"}</td>
                <td className="num">
                  <Money micros={r.agentSpendMicros} unpricedCalls={r.unpricedCalls} format={col.agent} />
                </td>
              </tr>
            ))}
          </tbody>
        </table></ScrollRegion>
      ) : null}
    </Card>
  );
}

type Override = RouterOutputs["judge"]["sampling"]["list"][number];

/**
 * Today's judge spend and skips are the whole deployment's (every model and customer, whatever the page's
 * filters); the sample rate is the default, with the filtered model's or customer's own rate when it has one.
 */
function Today({ s, overrides, filters }: { s: JudgeStatusInput; overrides: readonly Override[]; filters: Filters }) {
  const { use, reached } = judgeToday(s);
  // A customer's rate wins over a model's (judge sampling's order), so it is named first.
  const own = overrides
    .filter((o) => (o.scope === "model" && o.key === filters.model) || (o.scope === "customer" && o.key === filters.customer))
    .sort((a, b) => Number(b.scope === "customer") - Number(a.scope === "customer"));
  return (
    <dl className="judge-today">
      <div>
        <dt>
          Judge spend today, {s.day} ({s.timeZone}), every model and customer
        </dt>
        <dd>
          <Money micros={s.todayMicros} unpricedCalls={s.todayUnpricedCalls} />
          <span>{use === null ? " · no daily budget" : ` of ${money(s.dailyBudgetMicros)} a day${reached ? ": reached, judging resumes tomorrow" : ""}`}</span>
          {use !== null ? (
            <div className={`bar ${reached ? "over" : ""}`}>
              <span style={{ width: `${Math.min(100, use * 100)}%` }} />
            </div>
          ) : null}
        </dd>
      </div>
      <div>
        <dt>Skipped today (budget reached, every model and customer)</dt>
        <dd>{num(s.skippedToday)} runs</dd>
      </div>
      <div>
        <dt>Sample rate</dt>
        <dd data-sample-rate>
          {own.map((o) => `${percent(o.rate, undefined, 2)} for ${o.scope} ${o.key}`).join(", ") || `${percent(s.sampleRate, undefined, 2)} (default)`}
          {own.length ? <span className="small muted"> (default {percent(s.sampleRate, undefined, 2)})</span> : null}
          {overrides.length ? (
            <div className="small">
              <Link href="/settings#judge-sampling">{num(overrides.length)} model or customer rate{overrides.length === 1 ? "" : "s"} in Settings</Link>
            </div>
          ) : null}
        </dd>
      </div>
    </dl>
  );
}
