import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { isForbidden } from "../../lib/auth-redirect.ts";
import { dateTime, money } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { rateLabel } from "../quality/lib/judge-spend.ts";
import { formErrors, unclaimed } from "./lib/field-errors.ts";
import { FieldError } from "./RoleSelect.tsx";

type Override = RouterOutputs["judge"]["sampling"]["list"][number];
type Scope = Override["scope"];

/**
 * Judge sampling (issue 23): the global rate from TALLY_JUDGE_SAMPLE_RATE (read-only here), and rates per
 * model and per customer over it (a customer's rate wins over its model's). Finance and admin set and
 * remove them; other roles read them (the server refuses them anyway).
 */
export function JudgeCard({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const canEdit = useCan("editMoney");
  const status = useQuery(trpc.judge.status.queryOptions());
  const list = useQuery(trpc.judge.sampling.list.queryOptions());
  return (
    <Card title="Judge sampling" subtitle="Which share of runs the judge scores; a run left out is counted as not sampled, never as a zero score">
      <div id="judge-sampling">
        <QueryView query={status} loading={<Skeleton height={40} label="loading judge status" />}>
          {(s) => (
            <dl className="facts" style={{ marginBottom: 12 }}>
              <dt>Global sample rate</dt>
              <dd data-global-rate={s.sampleRate}>
                {rateLabel(s.sampleRate)} <span className="small muted">set by <code>TALLY_JUDGE_SAMPLE_RATE</code> (default 1)</span>
              </dd>
              <dt>Daily judge budget</dt>
              <dd>
                {s.dailyBudgetMicros === null ? "none" : money(s.dailyBudgetMicros)} <span className="small muted">set by <code>TALLY_JUDGE_DAILY_BUDGET_USD</code></span>
              </dd>
            </dl>
          )}
        </QueryView>
        <QueryView
          query={list}
          loading={<Skeleton height={80} label="loading sampling overrides" />}
          isEmpty={(d) => d.length === 0}
          empty={<EmptyState title="No overrides.">Every run is sampled at the global rate.</EmptyState>}
        >
          {(d) => <OverridesTable rows={d} tz={tz} canEdit={canEdit} />}
        </QueryView>
        {canEdit ? <OverrideForm /> : null}
      </div>
    </Card>
  );
}

function OverridesTable({ rows, tz, canEdit }: { rows: Override[]; tz: string; canEdit: boolean }) {
  return (
    <table aria-label="Sampling overrides">
      <caption>Rates over the global one: a customer's rate wins over its model's</caption>
      <thead>
        <tr>
          <th scope="col">Scope</th>
          <th scope="col">Model or customer</th>
          <th scope="col" className="num">Rate</th>
          <th scope="col">Changed ({tz})</th>
          {canEdit ? (
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <OverrideRow key={`${r.scope}:${r.key}`} row={r} tz={tz} canEdit={canEdit} />
        ))}
      </tbody>
    </table>
  );
}

function OverrideRow({ row: r, tz, canEdit }: { row: Override; tz: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const id = useId();
  const remove = useMutation(trpc.judge.sampling.remove.mutationOptions({ onSettled: () => invalidate(qc, trpc) }));
  const errors = formErrors(remove.error);
  const message = remove.error ? (unclaimed(errors, []) ?? undefined) : undefined;
  return (
    <tr data-override={`${r.scope}:${r.key}`} data-rate={r.rate}>
      <td>{r.scope}</td>
      <td className="mono">{r.key}</td>
      <td className="num">{rateLabel(r.rate)}</td>
      <td className="small">
        {dateTime(r.updatedAt, tz)} <span className="muted">by {r.updatedBy}</span>
      </td>
      {canEdit ? (
        <td>
          <button type="button" className="link-danger" disabled={remove.isPending} onClick={() => remove.mutate({ scope: r.scope, key: r.key })} aria-label={`Remove the ${r.scope} override for ${r.key}`} aria-describedby={message ? `${id}-error` : undefined}>
            Remove
          </button>
          <FieldError id={`${id}-error`} message={message} />
        </td>
      ) : null}
    </tr>
  );
}

function invalidate(qc: ReturnType<typeof useQueryClient>, trpc: ReturnType<typeof useTRPC>) {
  return Promise.all([qc.invalidateQueries({ queryKey: trpc.judge.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
}

/** Sets a rate for a model or a customer (the same scope and key again replaces it). */
function OverrideForm() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const id = useId();
  const [scope, setScope] = useState<Scope>("model");
  const [key, setKey] = useState("");
  const [rate, setRate] = useState("");
  const [typed, setTyped] = useState<string | null>(null);
  const set = useMutation(
    trpc.judge.sampling.set.mutationOptions({
      onSuccess: () => {
        setKey("");
        setRate("");
        return invalidate(qc, trpc);
      },
    }),
  );
  const errors = formErrors(set.error);
  const rateError = typed ?? errors.fields.rate;
  const formMessage = unclaimed(errors, ["scope", "key", "rate"]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Only "is it a number" is checked here; the range and the key are the API's to judge (its message shows by the field).
    const value = rate.trim() === "" ? Number.NaN : Number(rate.trim());
    if (!Number.isFinite(value)) return setTyped("enter a rate from 0 to 1, e.g. 0.25");
    setTyped(null);
    set.mutate({ scope, key, rate: value });
  };
  const field = (name: string, message: string | undefined) => ({ "aria-invalid": message ? true : undefined, "aria-describedby": message ? `${id}-${name}-error` : undefined });
  return (
    <>
      <h3 style={{ marginTop: 16 }}>Set a rate</h3>
      <form className="inline" onSubmit={submit} aria-label="Set a sampling rate" noValidate>
        <div className="form-field">
          <label>
            For
            <select value={scope} onChange={(e) => setScope(e.target.value === "customer" ? "customer" : "model")} {...field("scope", errors.fields.scope)}>
              <option value="model">a model</option>
              <option value="customer">a customer</option>
            </select>
          </label>
          <FieldError id={`${id}-scope-error`} message={errors.fields.scope} />
        </div>
        <div className="form-field">
          <label>
            {scope === "model" ? "Model id (as judged)" : "Customer id (as sent in customerId)"}
            <input value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" placeholder={scope === "model" ? "e.g. gpt-4o-mini" : "e.g. acme"} {...field("key", errors.fields.key)} />
          </label>
          <FieldError id={`${id}-key-error`} message={errors.fields.key} />
        </div>
        <div className="form-field">
          <label>
            Sample rate (0 to 1)
            <input value={rate} onChange={(e) => setRate(e.target.value)} inputMode="decimal" placeholder="e.g. 0.25" style={{ width: 110 }} {...field("rate", rateError)} />
          </label>
          <FieldError id={`${id}-rate-error`} message={rateError} />
        </div>
        <button type="submit" className="primary" disabled={set.isPending}>
          Set rate
        </button>
      </form>
      {isForbidden(set.error) ? (
        <MutationError error={set.error} />
      ) : formMessage ? (
        <p className="form-message" role="alert">
          {formMessage}
        </p>
      ) : null}
    </>
  );
}
