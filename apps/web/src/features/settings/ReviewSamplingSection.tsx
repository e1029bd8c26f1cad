import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView } from "../../components/States.tsx";
import { isForbidden } from "../../lib/auth-redirect.ts";
import { dateTime, percent } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { formErrors, unclaimed } from "./lib/field-errors.ts";
import { FieldError } from "./RoleSelect.tsx";

/** A score name's setting as the form edits it: the threshold as the select's value ('' = none). */
interface Draft {
  name: string;
  rate: string;
  threshold: string;
}

/** The thresholds offered (a judge score strictly below the value sends the run to review); '' = none. */
const THRESHOLDS = ["", "2", "3", "4", "5", "6"] as const;

/** "below 3 (1–2)"; null: sampled only. */
export function thresholdLabel(threshold: number | null): string {
  if (threshold === null) return "none: sampled only";
  if (threshold > 5) return `below ${threshold} (every scored run)`;
  if (!Number.isInteger(threshold) || threshold <= 1) return `below ${threshold}`;
  return `below ${threshold} (${threshold === 2 ? "a 1" : `1–${threshold - 1}`})`;
}

/**
 * Settings → Review sampling (issue 19): which scored runs go to the human review queue. Per score name, a
 * judge score below its threshold always sends the run, and a random share (its rate) of the rest goes too;
 * a run is drawn at the highest rate of its score names. Score names without a setting use the defaults
 * (TALLY_REVIEW_SAMPLE_RATE, threshold 3). Everyone reads them; reviewers and admins (`review`) change them.
 */
export function ReviewSamplingSection({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canEdit = useCan("review");
  const list = useQuery(trpc.reviews.sampling.list.queryOptions());
  const [draft, setDraft] = useState<{ n: number; value: Draft }>({ n: 0, value: { name: "", rate: "", threshold: "3" } });
  const edit = (value: Draft) => setDraft((d) => ({ n: d.n + 1, value }));
  const onSettled = () =>
    Promise.all([qc.invalidateQueries({ queryKey: trpc.reviews.sampling.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
  const remove = useMutation(trpc.reviews.sampling.remove.mutationOptions({ onSettled }));
  return (
    <Card title="Review sampling" subtitle="Which scored runs go to the review queue: a judge score below the threshold always, and a random share of the rest (a run is drawn at the highest rate of its score names)">
      <div id="review-sampling">
        {list.data ? (
          <p data-default-rate={list.data.defaultRate} data-default-threshold={list.data.defaultThreshold}>
            Score names without a setting: <strong>{percent(list.data.defaultRate, undefined, 2)}</strong> sampled{" "}
            <span className="small muted">(TALLY_REVIEW_SAMPLE_RATE)</span>, reviewed when <strong>{thresholdLabel(list.data.defaultThreshold)}</strong>.
          </p>
        ) : null}
        <QueryView query={list} isEmpty={(d) => !d.items.length} empty={<EmptyState title="No score name has a setting of its own: the defaults apply to every one." />}>
          {(d) => (
            <table aria-label="Review sampling by score name">
              <thead>
                <tr>
                  <th>Score name</th>
                  <th className="num">Sample rate</th>
                  <th>Always reviewed when the judge scores</th>
                  <th>Changed ({tz})</th>
                  {canEdit ? (
                    <th>
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {d.items.map((r) => (
                  <tr key={r.name} data-score-name={r.name} data-rate={r.rate} data-threshold={r.threshold ?? ""}>
                    <td className="mono">{r.name}</td>
                    <td className="num">{percent(r.rate, undefined, 2)}</td>
                    <td>{thresholdLabel(r.threshold)}</td>
                    <td className="small">
                      {dateTime(r.updatedAt, tz)} by {r.updatedBy}
                    </td>
                    {canEdit ? (
                      <td>
                        <button type="button" onClick={() => edit({ name: r.name, rate: String(r.rate), threshold: r.threshold === null ? "" : String(r.threshold) })} aria-label={`Edit the setting for ${r.name}`}>
                          Edit
                        </button>{" "}
                        <button type="button" className="link-danger" disabled={remove.isPending} onClick={() => remove.mutate({ name: r.name })} aria-label={`Remove the setting for ${r.name} (back to the defaults)`}>
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
        {canEdit ? <SamplingForm key={draft.n} initial={draft.value} onSettled={onSettled} /> : <p className="small muted">Reviewers and admins change these.</p>}
      </div>
    </Card>
  );
}

/** Sets a score name's rate and threshold (the same name again replaces it); the API judges the input. */
function SamplingForm({ initial, onSettled }: { initial: Draft; onSettled: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const id = useId();
  const [form, setForm] = useState(initial);
  const names = useQuery(trpc.runs.scoreNames.queryOptions());
  const set = useMutation(trpc.reviews.sampling.set.mutationOptions({ onSettled }));
  const errors = formErrors(set.error);
  const message = unclaimed(errors, ["name", "rate", "threshold"]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // An empty or non-numeric rate goes as NaN (null in JSON), so the API's "rate must be a number" shows by the field.
    const rate = form.rate.trim() ? Number(form.rate) : Number.NaN;
    set.mutate({ name: form.name.trim(), rate, threshold: form.threshold === "" ? null : Number(form.threshold) }, { onSuccess: () => setForm({ name: "", rate: "", threshold: "3" }) });
  };
  const described = (name: keyof Draft) => ({ "aria-invalid": errors.fields[name] ? true : undefined, "aria-describedby": errors.fields[name] ? `${id}${name}` : undefined });
  const thresholds: string[] = THRESHOLDS.includes(form.threshold as (typeof THRESHOLDS)[number]) ? [...THRESHOLDS] : [...THRESHOLDS, form.threshold];
  return (
    <form className="inline" onSubmit={submit} aria-label="Set review sampling for a score name" noValidate style={{ marginTop: 12 }}>
      <div className="form-field">
        <label>
          Score name
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} list={`${id}names`} autoComplete="off" {...described("name")} />
        </label>
        <datalist id={`${id}names`}>
          {(names.data ?? []).map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        <FieldError id={`${id}name`} message={errors.fields.name} />
      </div>
      <div className="form-field">
        <label>
          Sample rate (0 to 1)
          <input value={form.rate} onChange={(e) => setForm({ ...form, rate: e.target.value })} inputMode="decimal" autoComplete="off" {...described("rate")} />
        </label>
        <FieldError id={`${id}rate`} message={errors.fields.rate} />
      </div>
      <div className="form-field">
        <label>
          Always review when the judge scores
          <select value={form.threshold} onChange={(e) => setForm({ ...form, threshold: e.target.value })} {...described("threshold")}>
            {thresholds.map((t) => (
              <option key={t} value={t}>
                {thresholdLabel(t === "" ? null : Number(t))}
              </option>
            ))}
          </select>
        </label>
        <FieldError id={`${id}threshold`} message={errors.fields.threshold} />
      </div>
      <button type="submit" className="primary" disabled={set.isPending}>
        Save
      </button>
      {isForbidden(set.error) ? <MutationError error={set.error} /> : message ? <p className="form-message">{message}</p> : null}
    </form>
  );
}
