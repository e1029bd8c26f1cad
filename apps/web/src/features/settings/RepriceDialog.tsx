import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { monthKey } from "@tally/shared";
import { num } from "../../lib/format.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { jobPollInterval, jobProgress, moneyWithUnpriced, type RepriceScope, scopeText, signedMoney } from "./lib/reprice.ts";
import "./reprice.css";

type Preview = RouterOutputs["reprice"]["preview"];
type Group = { key: string; label: string; beforeMicros: number | null; afterMicros: number | null; deltaMicros: number | null; beforeUnpriced: number; afterUnpriced: number; lines: number };

/**
 * Repricing in two steps: the preview (reprice.preview: the lines in scope priced now against their stored cost,
 * totals and per customer, per model and per month in the page's zone, past months flagged), then Apply
 * (reprice.start), whose job is polled every second until done.
 */
export function RepriceDialog({
  scope,
  tz,
  onClose,
  reason = "override",
}: {
  scope: RepriceScope;
  tz: string;
  onClose: () => void;
  /** Recorded with the job: an override change, or a refreshed catalog. */
  reason?: "override" | "catalog";
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const preview = useQuery({ ...trpc.reprice.preview.queryOptions({ ...scope, timeZone: tz }), staleTime: Infinity, refetchInterval: false });
  const start = useMutation(trpc.reprice.start.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.reprice.jobs.queryKey() }) }));
  const jobId = start.data?.jobId;
  // The preview as it was when applied: once the job is done a fresh one would read "no change".
  const [applied, setApplied] = useState<Preview | null>(null);
  const job = useQuery({
    ...trpc.reprice.job.queryOptions({ id: jobId ?? "" }),
    enabled: jobId !== undefined,
    refetchInterval: (q) => jobPollInterval(q.state.data?.status),
  });
  const finished = job.data?.status === "done";
  useEffect(() => {
    // Every figure on every page may have moved: ask again once the job is done.
    if (finished) void qc.invalidateQueries();
  }, [finished, qc]);
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current;
    dialog?.showModal();
    return () => {
      dialog?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  const progress = job.data ? jobProgress(job.data) : null;

  return (
    <dialog ref={ref} className="dialog reprice-dialog" aria-labelledby={`${id}-title`} onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}>
      <h2 id={`${id}-title`}>Reprice history</h2>
      <p className="muted small">{scopeText(scope, tz)}: each line priced with today's overrides and catalog at the time it was recorded.</p>
      <QueryView query={{ ...preview, data: applied ?? preview.data }} loading={<Skeleton height={120} label="pricing the lines" />}>
        {(p) => <PreviewTables p={p} />}
      </QueryView>
      {progress && job.data ? (
        <div className="reprice-progress" data-status={job.data.status}>
          <progress max={1} value={progress.fraction} aria-label="Repricing progress" />
          <div role="status">{progress.text}</div>
          {job.data.status === "done" ? (
            <p className="small">
              Total {moneyWithUnpriced(job.data.beforeMicros, job.data.beforeUnpriced)} → {moneyWithUnpriced(job.data.afterMicros, job.data.afterUnpriced)}
            </p>
          ) : null}
          {job.data.error ? <p className="form-message" role="alert">{job.data.error}</p> : null}
        </div>
      ) : null}
      <MutationError error={start.error} />
      <div className="row confirm-actions">
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          {finished ? "Close" : "Cancel"}
        </button>
        {jobId === undefined ? (
          <button
            type="button"
            className="primary"
            disabled={!preview.data || preview.data.lines === 0 || start.isPending}
            onClick={() => {
              setApplied(preview.data ?? null);
              start.mutate({ ...scope, reason });
            }}
          >
            Apply
          </button>
        ) : null}
      </div>
    </dialog>
  );
}

function PreviewTables({ p }: { p: Preview }) {
  const customers: Group[] = p.byCustomer.map((c) => ({ ...c, key: c.customerId, label: c.customerName ?? (c.customerId || "unattributed") }));
  const models: Group[] = p.byModel.map((m) => ({ ...m, key: m.model, label: m.model }));
  // A month before this one in the zone: its statements may already have gone out.
  const thisMonth = monthKey(Date.now(), p.timeZone);
  const months: Group[] = p.byMonth.map((m) => ({ ...m, key: m.month, label: m.month < thisMonth && m.changedLines > 0 ? `${m.month} · past month: its statements change` : m.month }));
  return (
    <>
      <dl className="reprice-totals" data-before={p.beforeMicros ?? ""} data-after={p.afterMicros ?? ""} data-delta={p.deltaMicros ?? ""}>
        <div>
          <dt>Lines</dt>
          <dd>
            {num(p.lines)} ({num(p.changedLines)} changing)
          </dd>
        </div>
        <div>
          <dt>Before</dt>
          <dd>{moneyWithUnpriced(p.beforeMicros, p.beforeUnpriced)}</dd>
        </div>
        <div>
          <dt>After</dt>
          <dd>{moneyWithUnpriced(p.afterMicros, p.afterUnpriced)}</dd>
        </div>
        <div>
          <dt>Change</dt>
          <dd>
            <strong>{signedMoney(p.deltaMicros)}</strong>
          </dd>
        </div>
      </dl>
      <GroupTable label="By customer" head="Customer" rows={customers} attr="data-customer" />
      <GroupTable label="By model" head="Model" rows={models} attr="data-model" />
      <GroupTable label="By month" head={`Month (${p.timeZone})`} rows={months} attr="data-month" />
    </>
  );
}

function GroupTable({ label, head, rows, attr }: { label: string; head: string; rows: Group[]; attr: string }) {
  if (rows.length === 0) return null;
  return (
    <table aria-label={`Repricing ${label.toLowerCase()}`} className="reprice-table">
      <caption className="small muted">{label}</caption>
      <thead>
        <tr>
          <th>{head}</th>
          <th className="num">Lines</th>
          <th className="num">Before</th>
          <th className="num">After</th>
          <th className="num">Change</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} {...{ [attr]: r.key }} data-delta={r.deltaMicros ?? ""}>
            <td>{r.label}</td>
            <td className="num">{num(r.lines)}</td>
            <td className="num">{moneyWithUnpriced(r.beforeMicros, r.beforeUnpriced)}</td>
            <td className="num">{moneyWithUnpriced(r.afterMicros, r.afterUnpriced)}</td>
            <td className="num">{signedMoney(r.deltaMicros)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
