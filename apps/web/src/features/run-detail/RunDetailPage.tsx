import { useQuery } from "@tanstack/react-query";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { EmptyState, ErrorState, Skeleton } from "../../components/States.tsx";
import { customerLabel, dateTime, money, num, score } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { hrefWith } from "../../lib/filters.ts";
import { useLocation } from "../../lib/router.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { CostLines } from "./CostLines.tsx";
import { noScoresReason } from "./lib/no-scores.ts";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

export default function RunDetailPage({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const { filters } = useFilters();
  // The list this run was opened from: its link carries the list's query string (RunsTable).
  const { search } = useLocation();
  // No placeholder: another run's details must never show under this run's id.
  const q = useQuery({ ...trpc.runs.byId.queryOptions({ runId }), placeholderData: undefined, retry: (n, e) => !/no run/.test(String(e)) && n < 1 });
  const back = `/runs${search}`;

  if (q.isPending) return <Skeleton height={400} label="loading run" />;
  if (q.data === undefined) {
    if (q.error && /no run/.test(q.error.message)) {
      return (
        <EmptyState title={`No run ${runId}.`}>
          It may not have been recorded yet. <Link href={back}>Back to runs</Link>
        </EmptyState>
      );
    }
    return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  }
  const d = q.data;
  const total = d.costs.reduce<number | null>((s, c) => (c.costMicros === null ? s : (s ?? 0) + c.costMicros), null);
  const unpriced = d.costs.filter((c) => c.costMicros === null).length;

  return (
    <div className="stack" data-run-id={d.run.runId} data-occurred-at={d.run.occurredAt} data-model={d.run.model}>
      <div className="row">
        <Link href={back}>← Runs</Link>
      </div>
      <h1 className="mono" style={{ fontSize: 18 }}>
        Run {d.run.runId}
      </h1>
      <div className="grid grid-2">
        <Card
          title="Run"
          actions={
            d.inngestUrl ? (
              <a className="btn primary" href={d.inngestUrl} target="_blank" rel="noreferrer">
                Open in Inngest ↗
              </a>
            ) : (
              <span className="muted small" data-testid="no-inngest-run">demo run: no Inngest run</span>
            )
          }
        >
          <dl className="facts">
            <dt>Parent function</dt>
            <dd>{d.run.functionSlug}</dd>
            <dt>Run id</dt>
            <dd className="mono">{d.run.runId}</dd>
            <dt>When</dt>
            <dd>{dateTime(d.run.occurredAt, filters.tz)} ({filters.tz})</dd>
            <dt>Model</dt>
            <dd>{d.run.model || <span className="muted">unknown</span>}</dd>
            <dt>Customer</dt>
            <dd>
              {d.run.customerId ? <Link href={hrefWith("/spend", { ...filters, customer: d.run.customerId })}>{customerLabel(d.run.customerId)}</Link> : "unattributed"}
            </dd>
            {d.run.ticketId ? (
              <>
                <dt>Ticket</dt>
                <dd>{d.run.ticketId}</dd>
              </>
            ) : null}
            {Object.keys(d.run.tags).length ? (
              <>
                <dt>Tags</dt>
                <dd>
                  {Object.entries(d.run.tags).map(([k, v]) => (
                    <span key={k} className="badge">{k}: {v}</span>
                  ))}
                </dd>
              </>
            ) : null}
            <dt>Deferred runs</dt>
            <dd className="mono">
              {d.deferredRuns.length ? (
                d.deferredRuns.map((r) => (
                  <div key={r.runId}>
                    {r.inngestUrl ? (
                      <a href={r.inngestUrl} target="_blank" rel="noreferrer">
                        {r.runId} ↗
                      </a>
                    ) : (
                      r.runId
                    )}
                  </div>
                ))
              ) : (
                <span className="muted">none</span>
              )}
            </dd>
          </dl>
        </Card>
        <Card title="Cost" subtitle="Agent and judge usage, priced when recorded">
          <div className="kpi">
            <div className="kpi-value" data-run-total={total ?? ""}>{money(total)}</div>
            {unpriced > 0 ? <div className="small badge warn">{unpriced} unpriced line{unpriced > 1 ? "s" : ""}: not included above</div> : null}
          </div>
          <p className="small muted">
            {num(d.costs.reduce((s, c) => s + c.tokens.input + c.tokens.output, 0))} tokens over {d.costs.length} line{d.costs.length === 1 ? "" : "s"}.
          </p>
        </Card>
      </div>
      <Card title="Scores" subtitle="Each judged criterion, normalised to 0–1, with the judge's rationale">
        {d.scores.length === 0 ? (
          <EmptyState title="No scores for this run.">{noScoresReason(d.evaluations)}</EmptyState>
        ) : (
          <ScrollRegion label="Scores"><table aria-label="Scores">
            <thead>
              <tr>
                <th>Score</th>
                <th className="num">Value</th>
                <th className="num">Raw</th>
                <th>Rationale</th>
                <th>Judge model</th>
                <th>Rubric</th>
                <th>Deferred run</th>
              </tr>
            </thead>
            <tbody>
              {d.scores.map((s) => (
                <tr key={s.id}>
                  <td>{s.name}</td>
                  <td className="num">
                    <span className={`badge ${s.value >= 0.7 ? "good" : s.value < 0.4 ? "bad" : ""}`}>{score(s.value)}</span>
                  </td>
                  <td className="num muted">
                    {num(s.rawValue, undefined, 2)} / {num(s.scaleMin)}–{num(s.scaleMax)}
                  </td>
                  <td>
                    <p className="rationale">{s.rationale ?? <span className="muted">no rationale</span>}</p>
                  </td>
                  <td>{s.judgeModel ?? (s.source === "human" ? "human" : "—")}</td>
                  <td className="mono">{s.rubricVersion ?? "—"}</td>
                  <td className="mono small">{s.deferredRunId}</td>
                </tr>
              ))}
            </tbody>
          </table></ScrollRegion>
        )}
        {d.evaluations.filter((e) => e.status === "failed").map((e) => (
          <div key={e.id} className="state state-error" style={{ marginTop: 8 }}>
            <strong>Evaluation failed ({e.judgeModel}, rubric {e.rubricVersion}, {e.judgeCalls} calls)</strong>
            <span className="muted">{e.error}</span>
          </div>
        ))}
      </Card>
      <Card title="Cost lines" subtitle="Token breakdown per line; cache and reasoning tokens are part of input and output">
        <CostLines lines={d.costs} tz={filters.tz} />
      </Card>
    </div>
  );
}
