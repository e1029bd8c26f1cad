import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { currentCursor, nextTrail, prevTrail, readTrail } from "../runs/lib/cursor-trail.ts";
import { deliveryNote, KIND_LABELS, prepareHistory, prepareRules, type RuleView } from "./lib/prepare-alerts.ts";
import "./alerts.css";

const STATUS_ICON = { firing: "▲", ok: "✓", off: "○" } as const;
const STATUS_TONE = { firing: "bad", ok: "good", off: "" } as const;
const HISTORY_STATUSES = ["sent", "failed", "pending"] as const;

/** `/alerts`: every rule with what fires now (computed when the page asks), and every notification sent. */
export default function AlertsPage() {
  const trpc = useTRPC();
  const { filters, params, setParams } = useFilters();
  const isAdmin = useCan("admin");
  const canEdit = useCan("editMoney");
  const state = useQuery(trpc.alerts.state.queryOptions());
  const rules = useQuery(trpc.alerts.rules.list.queryOptions());
  const channels = useQuery({ ...trpc.alerts.channels.list.queryOptions(), enabled: isAdmin });
  const ruleFilter = params.get("rule") ?? "";
  const statusParam = params.get("status");
  const statusFilter = HISTORY_STATUSES.find((s) => s === statusParam);
  const trail = readTrail(params);
  const cursor = currentCursor(trail);
  const history = useQuery(
    trpc.alerts.history.queryOptions({ limit: 50, ...(ruleFilter ? { ruleId: ruleFilter } : {}), ...(statusFilter ? { status: statusFilter } : {}), ...(cursor ? { cursor } : {}) }),
  );
  // Has anything ever been sent? (the unfiltered first page: a filter must not change the engine note)
  const anySent = useQuery(trpc.alerts.history.queryOptions({ limit: 1, status: "sent" }));

  const views = useMemo(() => (rules.data && state.data ? prepareRules(rules.data, state.data.evaluations) : null), [rules.data, state.data]);
  const rows = useMemo(() => (history.data ? prepareHistory(history.data.items) : null), [history.data]);
  const tz = filters.tz;
  const note =
    state.data && anySent.data
      ? deliveryNote({ everSent: anySent.data.items.length > 0, channels: isAdmin ? (channels.data?.filter((c) => c.enabled).length ?? null) : null, defaultChannel: state.data.defaultChannel })
      : null;

  return (
    <div className="stack alerts-page">
      <h1>Alerts</h1>
      {note ? (
        <p className="alerts-note" role="note" data-delivery-note>
          {note}
        </p>
      ) : null}
      <Card
        title="Rules"
        subtitle="Each rule's state now, computed from the rollups when this page asks"
        actions={canEdit ? <Link href="/settings?section=alerts">Edit rules in Settings</Link> : null}
      >
        <QueryView
          query={{ ...state, data: views ?? undefined, error: state.error ?? rules.error, isPending: state.isPending || rules.isPending, refetch: () => Promise.all([state.refetch(), rules.refetch()]) }}
          loading={<Skeleton height={160} label="loading alert rules" />}
          isEmpty={(v) => v.length === 0}
          empty={<EmptyState title="No alert rules.">Add one in Settings → Alerts.</EmptyState>}
        >
          {(v) => <RulesTable views={v} onHistory={(id) => setParams({ rule: id, pages: null })} />}
        </QueryView>
      </Card>
      <Card
        title="Notification history"
        subtitle={`Every notification, newest first (${tz})`}
        actions={
          <>
            <label className="small">
              <select aria-label="Filter by rule" value={ruleFilter} onChange={(e) => setParams({ rule: e.target.value || null, pages: null })}>
                <option value="">all rules</option>
                {(rules.data ?? []).map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="small">
              <select aria-label="Filter by delivery status" value={statusFilter ?? ""} onChange={(e) => setParams({ status: e.target.value || null, pages: null })}>
                <option value="">any</option>
                {HISTORY_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          </>
        }
      >
        <QueryView
          query={{ ...history, data: rows ?? undefined }}
          loading={<Skeleton height={120} label="loading notifications" />}
          isEmpty={(r) => r.length === 0 && trail.length === 0}
          empty={
            <EmptyState title={ruleFilter || statusFilter ? "No notification matches." : "No notification yet."}>
              Rules are evaluated when you open this page; sending needs the Inngest engine (its cron function evaluate-alerts runs every 5 minutes).
            </EmptyState>
          }
        >
          {(r) => (
            <>
              <table aria-label="Notification history">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Rule</th>
                    <th scope="col">Event</th>
                    <th scope="col">Message</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Delivery</th>
                    <th scope="col">
                      <span className="sr-only">View</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.map((n) => (
                    <tr key={n.id} data-notification={n.id} data-status={n.status} data-event={n.event}>
                      <td className="nowrap">{dateTime(n.createdAt, tz)}</td>
                      <td>{n.ruleName}</td>
                      <td>
                        <span className={`badge ${n.event === "resolved" ? "good" : "bad"}`}>{n.event === "resolved" ? "✓ resolved" : "▲ firing"}</span>
                      </td>
                      <td className="wrap">{n.message}</td>
                      <td className="mono small">{n.channelId}</td>
                      <td>
                        <span className={`badge ${n.tone}`}>{n.outcome}</span>
                        {n.sentAt !== null ? <div className="small muted">{dateTime(n.sentAt, tz)}</div> : null}
                        {n.lastError ? <div className="small field-error">{n.lastError}</div> : null}
                      </td>
                      <td>{n.href ? <Link href={n.href}>Open view</Link> : null}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="pager">
                <button type="button" disabled={trail.length === 0} onClick={() => setParams({ pages: prevTrail(trail) })}>
                  Previous
                </button>
                <button type="button" disabled={!history.data?.nextCursor} onClick={() => history.data?.nextCursor && setParams({ pages: nextTrail(trail, history.data.nextCursor) })}>
                  Next
                </button>
              </div>
            </>
          )}
        </QueryView>
      </Card>
    </div>
  );
}

function RulesTable<R extends { id: string; kind: keyof typeof KIND_LABELS; name: string; enabled: boolean; builtin: boolean }>({ views, onHistory }: { views: RuleView<R>[]; onHistory: (ruleId: string) => void }) {
  return (
    <table aria-label="Alert rules">
      <thead>
        <tr>
          <th scope="col">State</th>
          <th scope="col">Rule</th>
          <th scope="col">Firing now</th>
          <th scope="col">
            <span className="sr-only">History</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {views.map((v) => (
          <tr key={v.rule.id} data-rule={v.rule.id} data-state={v.status}>
            <td className="nowrap">
              <span className={`badge ${STATUS_TONE[v.status]}`}>
                <span aria-hidden="true">{STATUS_ICON[v.status]}</span> {v.statusLabel}
              </span>
            </td>
            <td>
              <strong>{v.rule.name}</strong>
              <div className="small muted">
                {KIND_LABELS[v.rule.kind]}
                {v.rule.builtin ? " · built in" : ""}
              </div>
            </td>
            <td>
              {v.firing.length === 0 ? (
                <span className="muted small">{v.status === "off" ? "—" : `nothing (${v.quiet} checked)`}</span>
              ) : (
                <ul className="firing-list">
                  {v.firing.map((f) => (
                    <li key={`${f.subject}|${f.period}`} data-subject={f.subject}>
                      <span>{f.message}</span> {f.href ? <Link href={f.href}>Open view</Link> : null}
                    </li>
                  ))}
                </ul>
              )}
            </td>
            <td>
              <button type="button" className="link" onClick={() => onHistory(v.rule.id)}>
                History
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
