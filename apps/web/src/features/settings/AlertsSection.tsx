import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type RefObject, useId, useRef, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { useCan } from "../../lib/session.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { type AlertKind, KIND_LABELS } from "../alerts/lib/prepare-alerts.ts";
import "../alerts/alerts.css";
import { AlertChannelsCard } from "./AlertChannelsCard.tsx";
import { useConfirm } from "./ConfirmDialog.tsx";
import { describeParams, type FormValues, initialValues, paramError, paramsFromValues, RULE_FIELDS, ruleFormFields, valuesFromParams } from "./lib/alert-rule-form.ts";
import { formErrors, unclaimed } from "./lib/field-errors.ts";
import { FieldError } from "./RoleSelect.tsx";
import { FocusKeepingButton } from "../../components/FocusKeepingButton.tsx";

type Rule = RouterOutputs["alerts"]["rules"]["list"][number];
const KINDS = Object.keys(KIND_LABELS) as AlertKind[];

/** Settings → Alerts: rules (read by everyone, changed with editMoney) and delivery channels (admins). */
export function AlertsSection() {
  const trpc = useTRPC();
  const canEdit = useCan("editMoney");
  const isAdmin = useCan("admin");
  const rules = useQuery(trpc.alerts.rules.list.queryOptions());
  const [editing, setEditing] = useState<string | null>(null);
  // Focus lands here after a removal: the row whose Remove button had it is gone.
  const table = useRef<HTMLTableElement>(null);
  return (
    <>
      <Card title="Alert rules" subtitle="Evaluated every 5 minutes by the evaluate-alerts function, and whenever the Alerts page is open. The built-in budget rule can be turned off, not removed.">
        <QueryView query={rules} loading={<Skeleton height={120} label="loading alert rules" />} isEmpty={(d) => d.length === 0} empty={<EmptyState title="No alert rules." />}>
          {(list) => (
            <table ref={table} tabIndex={-1} aria-label="Alert rules">
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Fires when</th>
                  <th scope="col">On</th>
                  {canEdit ? (
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {list.map((r) =>
                  editing === r.id ? (
                    <tr key={r.id}>
                      <td colSpan={4}>
                        <RuleForm rule={r} onDone={() => setEditing(null)} />
                      </td>
                    </tr>
                  ) : (
                    <RuleRow key={r.id} rule={r} canEdit={canEdit} onEdit={() => setEditing(r.id)} table={table} />
                  ),
                )}
              </tbody>
            </table>
          )}
        </QueryView>
      </Card>
      {canEdit ? (
        <Card title="Add an alert rule">
          <RuleForm />
        </Card>
      ) : null}
      {isAdmin ? <AlertChannelsCard /> : null}
    </>
  );
}

/** `onRemoved` runs once a removal succeeded, while the row is still there (a mutate() callback would not: the refetch unmounts it first). */
function useRuleMutations(onRemoved?: () => void) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const onSettled = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.alerts.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
  return {
    create: useMutation(trpc.alerts.rules.create.mutationOptions({ onSettled })),
    update: useMutation(trpc.alerts.rules.update.mutationOptions({ onSettled })),
    remove: useMutation(trpc.alerts.rules.remove.mutationOptions({ onSettled, onSuccess: onRemoved })),
  };
}

function RuleRow({ rule: r, canEdit, onEdit, table }: { rule: Rule; canEdit: boolean; onEdit: () => void; table: RefObject<HTMLTableElement | null> }) {
  const { update, remove } = useRuleMutations(() => table.current?.focus());
  const { confirm, dialog } = useConfirm();
  const onRemove = async () => {
    const ok = await confirm({ title: `Remove the rule "${r.name}"?`, body: <p>Its history stays; nothing more is sent for it.</p>, confirmLabel: "Remove rule", danger: true });
    if (ok) remove.mutate({ id: r.id });
  };
  // While a toggle is sent the box shows the state asked for, and is aria-disabled, not disabled: a disabled
  // box drops the focus to the page's top, so a second Space did nothing. A change meanwhile is ignored.
  const toggling = update.isPending;
  const shownEnabled = toggling && update.variables?.enabled !== undefined ? update.variables.enabled : r.enabled;
  return (
    <tr data-rule={r.id} data-enabled={r.enabled ? "1" : "0"}>
      <td>
        <strong>{r.name}</strong>
        <div className="small muted">
          {KIND_LABELS[r.kind]}
          {r.builtin ? " · built in" : ""}
        </div>
      </td>
      <td className="wrap">{describeParams(r.kind, r.params as Record<string, unknown>)}</td>
      <td>
        {canEdit ? (
          <label className="nowrap">
            <input
              type="checkbox"
              checked={shownEnabled}
              aria-disabled={toggling || undefined}
              onChange={(e) => (toggling ? undefined : update.mutate({ id: r.id, enabled: e.target.checked }))}
            />{" "}
            {shownEnabled ? "on" : "off"}
          </label>
        ) : (
          <span className="badge">{r.enabled ? "✓ on" : "○ off"}</span>
        )}
      </td>
      {canEdit ? (
        <td className="nowrap">
          <button type="button" className="link" onClick={onEdit} aria-label={`Edit ${r.name}`}>
            Edit
          </button>{" "}
          {r.builtin ? null : (
            <FocusKeepingButton type="button" className="link-danger" onClick={() => void onRemove()} unavailable={remove.isPending} aria-label={`Remove ${r.name}`}>
              Remove
            </FocusKeepingButton>
          )}
          <MutationError error={update.error ?? remove.error} />
          {dialog}
        </td>
      ) : null}
    </tr>
  );
}

/** Add a rule, or edit `rule` (its kind stays). Field errors, the form's own and the API's, stand by their field. */
function RuleForm({ rule, onDone }: { rule?: Rule; onDone?: () => void }) {
  const id = useId();
  const { create, update } = useRuleMutations();
  const [kind, setKind] = useState<AlertKind>(rule?.kind ?? "spend_over");
  const [name, setName] = useState(rule?.name ?? "");
  const [values, setValues] = useState<FormValues>(rule ? valuesFromParams(rule.kind, rule.params as Record<string, unknown>) : initialValues("spend_over"));
  const [local, setLocal] = useState<Record<string, string>>({});
  const mutation = rule ? update : create;
  const api = formErrors(mutation.error);
  const paramsMessage = api.fields.params;
  const formMessage = unclaimed(api, ruleFormFields(kind));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The last answer's errors go: a field fixed since must not keep its old message.
    mutation.reset();
    const { params, errors } = paramsFromValues(kind, values);
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    const done = {
      onSuccess: () => {
        if (rule) return onDone?.();
        setName("");
        setValues(initialValues(kind));
      },
    };
    if (rule) update.mutate({ id: rule.id, name, params }, done);
    else create.mutate({ kind, name, params: params as never, enabled: true }, done);
  };
  const label = rule ? `Edit the rule ${rule.name}` : "Add an alert rule";
  return (
    <form className="inline rule-form" onSubmit={submit} aria-label={label} noValidate data-kind={kind}>
      {rule ? null : (
        <div className="form-field">
          <label>
            Kind
            <select
              value={kind}
              onChange={(e) => {
                const k = KINDS.find((x) => x === e.target.value) ?? kind;
                setKind(k);
                setValues(initialValues(k));
                setLocal({});
              }}
            >
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </label>
          <FieldError id={`${id}-kind-error`} message={api.fields.kind} />
        </div>
      )}
      <div className="form-field">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required autoComplete="off" aria-invalid={api.fields.name ? true : undefined} aria-describedby={api.fields.name ? `${id}-name-error` : undefined} />
        </label>
        <FieldError id={`${id}-name-error`} message={api.fields.name} />
      </div>
      {RULE_FIELDS[kind].map((f) => {
        const message = paramError(f.key, local, api.fields);
        return (
        <div className="form-field" key={f.key}>
          {f.type === "bool" ? (
            <label className="row">
              <input type="checkbox" checked={values[f.key] === "true"} onChange={(e) => setValues({ ...values, [f.key]: String(e.target.checked) })} /> {f.label}
            </label>
          ) : f.type === "by" ? (
            <label>
              {f.label}
              <select value={values[f.key]} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}>
                <option value="model">model</option>
                <option value="customer">customer</option>
              </select>
            </label>
          ) : (
            <label>
              {f.label}
              <input
                value={values[f.key] ?? ""}
                inputMode={f.type === "text" ? undefined : "decimal"}
                onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
                aria-invalid={message ? true : undefined}
                aria-describedby={message ? `${id}-${f.key}-error` : undefined}
              />
            </label>
          )}
          <FieldError id={`${id}-${f.key}-error`} message={message} />
        </div>
        );
      })}
      <FocusKeepingButton type="submit" className="primary" unavailable={mutation.isPending || name.trim() === ""} aria-describedby={`${id}-rule-problem`}>
        {rule ? "Save rule" : "Add rule"}
      </FocusKeepingButton>
      <span id={`${id}-rule-problem`} className="small muted" role="status">
        {name.trim() === "" ? "Enter a name for the rule." : ""}
      </span>
      {rule ? (
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      ) : null}
      {paramsMessage ? (
        <p className="form-message" role="alert" data-params-error>
          {paramsMessage}
        </p>
      ) : null}
      {formMessage ? (
        <p className="form-message" role="alert">
          {formMessage}
        </p>
      ) : null}
    </form>
  );
}
