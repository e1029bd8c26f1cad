import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import type { AggregateInput } from "../../lib/api-input.ts";
import type { Filters } from "../../lib/filters.ts";
import { LOCALE, num } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { prepareAgreement, STATS } from "./lib/prepare-agreement.ts";
import "./agreement.css";

/**
 * Judge–human agreement per score name × judge model × rubric version (`quality.agreement`): each statistic
 * with its 95% interval, a flag on a rubric version whose kappa is below 0.4 over at least 30 pairs, and a
 * link to the reviewed items where reviewer and judge disagree.
 */
export function AgreementCard({ input, filters }: { input: AggregateInput; filters: Filters }) {
  const trpc = useTRPC();
  const agreement = useQuery(trpc.quality.agreement.queryOptions(input));
  const rows = useMemo(() => (agreement.data ? prepareAgreement(agreement.data.rows, filters, LOCALE) : []), [agreement.data, filters]);
  const flagged = rows.filter((r) => r.flagged);
  return (
    <Card
      className="agreement"
      title="Judge–human agreement"
      subtitle={`Each reviewer's score against the judge's, per criterion. ${agreement.data?.method ?? "95% intervals"}.`}
    >
      <QueryView
        query={agreement}
        loading={<Skeleton height={140} label="loading agreement" />}
        isEmpty={(d) => d.rows.length === 0}
        empty={
          <EmptyState title="No reviews in this window.">
            Label runs on the <Link href="/review">Review page</Link> to measure how far the judge can be trusted.
          </EmptyState>
        }
      >
        {() => (
          <>
            {flagged.length ? (
              <div className="warning-box agreement-flags" role="note">
                <strong>Low agreement</strong>
                <ul>
                  {flagged.map((r) => (
                    <li key={r.key}>
                      {r.name} by {r.judgeModel} ({r.rubricVersion}): {r.flagText}. <Link href={r.disagreementsHref}>See the disagreements</Link>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            <table aria-label="Judge–human agreement">
              <thead>
                <tr>
                  <th>Score</th>
                  <th>Judge</th>
                  <th>Rubric</th>
                  <th className="num">Pairs</th>
                  {STATS.map((s) => (
                    <th key={s.key} className="num" title={s.hint}>
                      {s.label}
                    </th>
                  ))}
                  <th>Reviews</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key} data-agreement={`${r.name}/${r.judgeModel}/${r.rubricVersion}`} data-flagged={r.flagged ? "true" : "false"}>
                    <td>
                      {r.name}
                      {r.flagged ? (
                        <>
                          {" "}
                          <span className="badge bad" title={r.flagText}>
                            low kappa
                          </span>
                        </>
                      ) : null}
                    </td>
                    <td>{r.judgeModel}</td>
                    <td className="mono">{r.rubricVersion}</td>
                    <td className="num">{num(r.n)}</td>
                    {r.cells.map((c) => (
                      <td key={c.key} className="num" data-stat={c.key}>
                        <span className="stat-value">{c.text}</span>
                        {c.interval ? <span className="stat-interval small muted">{c.interval}</span> : null}
                      </td>
                    ))}
                    <td className="small">
                      <Link href={r.disagreementsHref}>disagreements</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryView>
    </Card>
  );
}
