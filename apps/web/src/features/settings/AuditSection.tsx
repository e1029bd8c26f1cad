import { useInfiniteQuery } from "@tanstack/react-query";
import { AUDIT_ACTIONS } from "@tally/shared";
import { type FormEvent, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { ExportLink } from "../../components/ExportLink.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { useFilters } from "../../lib/use-filters.ts";
import { type RouterOutputs, useTRPC, useTRPCClient } from "../../lib/trpc.ts";
import { auditChanges, auditTime, formatAuditValue } from "./lib/audit-diff.ts";
import { AUDIT_FILTER_KEYS, type AuditFilterForm, auditCsvHref, auditFilterInput, rangeIsBackwards, readAuditFilters } from "./lib/audit-filters.ts";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

type AuditItem = RouterOutputs["audit"]["list"]["items"][number];

const PAGE = 50;
const ACTOR_KINDS: Record<AuditItem["actorType"], string | null> = { user: null, api_key: "API key", system: "system" };

/** Admins: every recorded change, newest first, filtered by the URL (`action`, `actor`, `target`, `since`, `until`). */
export function AuditSection({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { params, setParams } = useFilters();
  const applied = readAuditFilters(params);
  const input = auditFilterInput(applied, tz);
  const backwards = rangeIsBackwards(input);
  // Pages by the API's cursor. Not tRPC's infiniteQueryOptions: it adds `direction` to the input, which
  // audit.list (a strict input) refuses.
  const log = useInfiniteQuery({
    queryKey: trpc.audit.list.infiniteQueryKey({ ...input, limit: PAGE }),
    queryFn: ({ pageParam, signal }) => client.audit.list.query({ ...input, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    enabled: !backwards,
  });
  const apply = (f: AuditFilterForm) => setParams(Object.fromEntries(AUDIT_FILTER_KEYS.map((k) => [k, f[k] || null])));
  const items = log.data?.pages.flatMap((p) => p.items);

  return (
    <Card
      title="Audit log"
      subtitle="Every change to prices, budgets, customers, users and API keys: who, when, what, before and after. Nobody can edit or delete it."
      actions={
        <ExportLink className="btn" href={auditCsvHref(input)}>
          Export CSV
        </ExportLink>
      }
    >
      <AuditFilters key={params.toString()} initial={applied} onApply={apply} />
      {backwards ? (
        <p className="form-message" role="alert">
          The “to” day is before the “from” day.
        </p>
      ) : (
        <QueryView
          query={{ ...log, data: items }}
          loading={<Skeleton height={160} label="loading the audit log" />}
          isEmpty={(d) => d.length === 0}
          empty={<EmptyState title="No audit entries match these filters." />}
        >
          {(list) => (
            <>
              <ScrollRegion label="Audit log"><table className="audit-table">
                <caption>
                  Audit log, newest first: {list.length}
                  {log.hasNextPage ? "+" : ""} {list.length === 1 ? "entry" : "entries"}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">When ({tz})</th>
                    <th scope="col">Who</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Changes</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((e) => (
                    <AuditRow key={e.id} entry={e} tz={tz} />
                  ))}
                </tbody>
              </table></ScrollRegion>
              <div className="pager">
                {log.hasNextPage ? (
                  <button type="button" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
                    {log.isFetchingNextPage ? "Loading…" : "Load more"}
                  </button>
                ) : (
                  <span className="muted small">End of the log.</span>
                )}
              </div>
            </>
          )}
        </QueryView>
      )}
    </Card>
  );
}

function AuditFilters({ initial, onApply }: { initial: AuditFilterForm; onApply: (f: AuditFilterForm) => void }) {
  const [form, setForm] = useState(initial);
  const set = (k: keyof AuditFilterForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(form);
  };
  const blank = { action: "", actor: "", target: "", since: "", until: "" };
  return (
    <form className="inline audit-filters" onSubmit={submit} aria-label="Filter the audit log">
      <label>
        Action
        <select value={form.action} onChange={set("action")}>
          <option value="">any action</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label>
        Who (contains)
        <input value={form.actor} onChange={set("actor")} placeholder="email or key name" size={18} />
      </label>
      <label>
        Target (contains)
        <input value={form.target} onChange={set("target")} placeholder="e.g. customer:acme" size={18} />
      </label>
      <label>
        From day
        <input type="date" value={form.since} onChange={set("since")} />
      </label>
      <label>
        To day (inclusive)
        <input type="date" value={form.until} onChange={set("until")} />
      </label>
      <button type="submit" className="primary">
        Apply filters
      </button>
      <button
        type="button"
        onClick={() => {
          setForm(blank);
          onApply(blank);
        }}
      >
        Clear
      </button>
    </form>
  );
}

function AuditRow({ entry: e, tz }: { entry: AuditItem; tz: string }) {
  const kind = ACTOR_KINDS[e.actorType];
  const changes = auditChanges(e.before, e.after);
  return (
    <tr data-audit-action={e.action}>
      <td className="nowrap" title={new Date(e.at).toISOString()}>
        {auditTime(e.at, tz)}
      </td>
      <td className="wrap">
        {e.actorLabel}
        {kind ? <span className="badge you">{kind}</span> : null}
      </td>
      <td className="mono nowrap">{e.action}</td>
      <td className="mono wrap target">{e.target}</td>
      <td className="wrap changes-cell">
        {changes.length === 0 ? (
          <span className="muted">no field changed</span>
        ) : (
          <ul className="changes">
            {changes.map((c) => (
              <li key={c.field}>
                {c.field ? <span className="change-field">{c.field}: </span> : null}
                {c.kind === "added" ? null : <del>{formatAuditValue(c.field, c.before, tz)}</del>}
                {c.kind === "changed" ? " → " : null}
                {c.kind === "removed" ? null : <ins>{formatAuditValue(c.field, c.after, tz)}</ins>}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
