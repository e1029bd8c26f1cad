import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView } from "../../components/States.tsx";
import { isForbidden } from "../../lib/auth-redirect.ts";
import { dateTime, percent } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { formErrors, unclaimed } from "./lib/field-errors.ts";
import { FieldError } from "./RoleSelect.tsx";
import { FocusKeepingButton } from "../../components/FocusKeepingButton.tsx";

type Scope = RouterOutputs["judge"]["sampling"]["list"][number]["scope"];

/**
 * Judge sampling (issue 23): the global rate from TALLY_JUDGE_SAMPLE_RATE (read-only here), and rates per
 * model and per customer over it (a customer's rate wins over its model's). Finance and admin set and
 * remove them; other roles read them (the server refuses them anyway).
 */
export function JudgeCard({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canEdit = useCan("editMoney");
  const status = useQuery(trpc.judge.status.queryOptions());
  const list = useQuery(trpc.judge.sampling.list.queryOptions());
  const onSettled = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.judge.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
  const remove = useMutation(trpc.judge.sampling.remove.mutationOptions({ onSettled }));
  return (
    <Card title="Judge sampling" subtitle="The share of runs the judge scores; a run left out counts as not sampled, never as a zero score">
      <div id="judge-sampling">
        <p data-global-rate={status.data?.sampleRate}>
          Global rate: <strong>{status.data ? percent(status.data.sampleRate, undefined, 2) : "…"}</strong> <span className="small muted">(TALLY_JUDGE_SAMPLE_RATE, default 1)</span>
        </p>
        <QueryView query={list} isEmpty={(d) => !d.length} empty={<EmptyState title="No overrides: every run is sampled at the global rate." />}>
          {(rows) => (
            <table aria-label="Sampling overrides">
              <thead>
                <tr>
                  <th>Scope</th>
                  <th>Model or customer</th>
                  <th className="num">Rate</th>
                  <th>Changed ({tz})</th>
                  {canEdit ? (
                    <th>
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.scope + r.key} data-override={`${r.scope}:${r.key}`} data-rate={r.rate}>
                    <td>{r.scope}</td>
                    <td className="mono">{r.key}</td>
                    <td className="num">{percent(r.rate, undefined, 2)}</td>
                    <td className="small">
                      {dateTime(r.updatedAt, tz)} by {r.updatedBy}
                    </td>
                    {canEdit ? (
                      <td>
                        <button type="button" className="link-danger" disabled={remove.isPending} onClick={() => remove.mutate({ scope: r.scope, key: r.key })} aria-label={`Remove the ${r.scope} override for ${r.key}`}>
                          Remove
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
        <MutationError error={remove.error} />
        {canEdit ? <OverrideForm onSettled={onSettled} /> : null}
      </div>
    </Card>
  );
}

/** Sets a rate for a model or a customer (the same scope and key again replaces it); the API judges the input. */
function OverrideForm({ onSettled }: { onSettled: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const id = useId();
  const [scope, setScope] = useState<Scope>("model");
  const [key, setKey] = useState("");
  const [rate, setRate] = useState("");
  const set = useMutation(trpc.judge.sampling.set.mutationOptions({ onSettled }));
  const errors = formErrors(set.error);
  const message = unclaimed(errors, ["key", "rate"]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // An empty or non-numeric rate goes as NaN (null in JSON), so the API's "rate must be a number" shows by the field.
    set.mutate({ scope, key, rate: rate.trim() ? Number(rate) : Number.NaN }, { onSuccess: () => setKey("") });
  };
  const field = (name: "key" | "rate", label: string, value: string, onChange: (v: string) => void) => (
    <div className="form-field">
      <label>
        {label}
        <input value={value} onChange={(e) => onChange(e.target.value)} autoComplete="off" aria-invalid={errors.fields[name] ? true : undefined} aria-describedby={errors.fields[name] ? `${id}${name}` : undefined} />
      </label>
      <FieldError id={`${id}${name}`} message={errors.fields[name]} />
    </div>
  );
  return (
    <form className="inline" onSubmit={submit} aria-label="Set a sampling rate" noValidate style={{ marginTop: 12 }}>
      <label>
        Scope
        <select value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
          <option>model</option>
          <option>customer</option>
        </select>
      </label>
      {field("key", "Model or customer id", key, setKey)}
      {field("rate", "Sample rate (0 to 1)", rate, setRate)}
      <FocusKeepingButton type="submit" className="primary" unavailable={set.isPending}>
        Set rate
      </FocusKeepingButton>
      {isForbidden(set.error) ? <MutationError error={set.error} /> : message ? <p className="form-message">{message}</p> : null}
    </form>
  );
}
