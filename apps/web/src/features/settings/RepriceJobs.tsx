import { useQuery } from "@tanstack/react-query";
import { Card } from "../../components/Card.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { num } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { auditTime } from "./lib/audit-diff.ts";
import { jobProgress, moneyWithUnpriced, readScope, scopeText } from "./lib/reprice.ts";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

/** Every repricing job, newest first: who, when, which lines, its progress, and the totals before → after. */
export function RepriceJobs({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const jobs = useQuery({
    ...trpc.reprice.jobs.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((j) => jobProgress(j).active) ? 1000 : 30_000),
  });
  return (
    <Card title="Repricing jobs" subtitle="Recorded usage repriced after a price change: who asked, when, which lines, and the totals before and after">
      <QueryView query={jobs} loading={<Skeleton height={60} />} isEmpty={(d) => d.length === 0} empty={<EmptyState title="No repricing yet." />}>
        {(list) => (
          <ScrollRegion label="Repricing jobs"><table aria-label="Repricing jobs">
            <thead>
              <tr>
                <th>When ({tz})</th>
                <th>Who</th>
                <th>Lines</th>
                <th>Status</th>
                <th className="num">Changed</th>
                <th className="num">Before → after</th>
              </tr>
            </thead>
            <tbody>
              {list.map((j) => {
                const scope = readScope(j.scope);
                const progress = jobProgress(j);
                return (
                  <tr key={j.id} data-job={j.id} data-status={j.status}>
                    <td>{auditTime(j.createdAt, tz)}</td>
                    <td>{j.createdBy}</td>
                    <td>
                      {typeof scope === "string" ? scope : scopeText(scope, tz)}
                      <div className="small muted">{j.reason}</div>
                    </td>
                    <td>
                      {progress.active ? <progress max={1} value={progress.fraction} aria-label={`Job ${j.id} progress`} /> : null}
                      <div className="small">{progress.text}</div>
                    </td>
                    <td className="num">{num(j.linesChanged)}</td>
                    <td className="num">
                      {moneyWithUnpriced(j.beforeMicros, j.beforeUnpriced)} → {moneyWithUnpriced(j.afterMicros, j.afterUnpriced)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table></ScrollRegion>
        )}
      </QueryView>
    </Card>
  );
}
