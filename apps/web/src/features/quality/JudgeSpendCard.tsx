import { useQuery } from "@tanstack/react-query";
import { Card } from "../../components/Card.tsx";
import { Money } from "../../components/Money.tsx";
import { QueryView, Skeleton } from "../../components/States.tsx";
import { money, moneyColumn, num, percent } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc.ts";
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
        {(s) => <Today s={s} />}
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

function Today({ s }: { s: JudgeStatusInput }) {
  const { use, reached } = judgeToday(s);
  return (
    <dl className="judge-today">
      <div>
        <dt>
          Judge spend today, {s.day} ({s.timeZone})
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
        <dt>Skipped today (budget reached)</dt>
        <dd>{num(s.skippedToday)} runs</dd>
      </div>
      <div>
        <dt>Sample rate</dt>
        <dd>{percent(s.sampleRate, undefined, 2)}</dd>
      </div>
    </dl>
  );
}
