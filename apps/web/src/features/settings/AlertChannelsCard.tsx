import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime } from "../../lib/format.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { useConfirm } from "./ConfirmDialog.tsx";
import { CopyBox } from "./CopyBox.tsx";
import { formErrors, unclaimed } from "./lib/field-errors.ts";
import { FieldError } from "./RoleSelect.tsx";

type Channel = RouterOutputs["alerts"]["channels"]["list"][number];
type Kind = "slack" | "webhook";

/** Admins: where alerts go. The URL (a secret for Slack) never comes back; a webhook's signing secret is shown once. */
export function AlertChannelsCard() {
  const trpc = useTRPC();
  const { filters } = useFilters();
  const channels = useQuery(trpc.alerts.channels.list.queryOptions());
  return (
    <Card title="Alert channels" subtitle="Slack incoming webhooks and signed webhooks (Standard Webhooks). Without any, alerts go to SLACK_WEBHOOK_URL when it is set.">
      <QueryView query={channels} loading={<Skeleton height={80} label="loading channels" />} isEmpty={(d) => d.length === 0} empty={<EmptyState title="No channels configured." />}>
        {(list) => (
          <table aria-label="Alert channels">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Host</th>
                <th scope="col">Created ({filters.tz})</th>
                <th scope="col">On</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <ChannelRow key={c.id} channel={c} tz={filters.tz} />
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      <CreateChannel />
    </Card>
  );
}

/** After any change: the alert queries and the audit log ask again. */
function useRefreshAfter() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  return { trpc, onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: trpc.alerts.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]) };
}

function ChannelRow({ channel: c, tz }: { channel: Channel; tz: string }) {
  const { trpc, onSettled } = useRefreshAfter();
  const update = useMutation(trpc.alerts.channels.update.mutationOptions({ onSettled }));
  const remove = useMutation(trpc.alerts.channels.remove.mutationOptions({ onSettled }));
  const { confirm, dialog } = useConfirm();
  const [replacing, setReplacing] = useState(false);
  const [url, setUrl] = useState("");
  const errors = formErrors(update.error);
  const onRemove = async () => {
    const ok = await confirm({ title: `Remove the channel "${c.name}"?`, body: <p>Alerts stop going there; its past notifications stay in the history.</p>, confirmLabel: "Remove channel", danger: true });
    if (ok) remove.mutate({ id: c.id });
  };
  return (
    <tr data-channel={c.name} data-enabled={c.enabled ? "1" : "0"}>
      <td>{c.name}</td>
      <td>
        {c.kind}
        {c.hasSecret ? <span className="badge small">signed</span> : null}
      </td>
      <td className="mono">{c.host}</td>
      <td className="nowrap">{dateTime(c.createdAt, tz)}</td>
      <td>
        <label className="nowrap">
          <input type="checkbox" checked={c.enabled} disabled={update.isPending} onChange={(e) => update.mutate({ id: c.id, enabled: e.target.checked })} /> {c.enabled ? "on" : "off"}
        </label>
      </td>
      <td>
        {replacing ? (
          <form
            className="row"
            aria-label={`Replace the URL of ${c.name}`}
            onSubmit={(e) => {
              e.preventDefault();
              update.mutate({ id: c.id, url }, {
                  onSuccess: () => {
                    setReplacing(false);
                    setUrl("");
                  },
                });
            }}
          >
            <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} aria-label="New URL" aria-invalid={errors.fields.url ? true : undefined} />
            <button type="submit">Save</button>
            <button type="button" onClick={() => setReplacing(false)}>
              Cancel
            </button>
            <FieldError id={`${c.id}-url-error`} message={errors.fields.url} />
          </form>
        ) : (
          <>
            <button type="button" className="link" onClick={() => setReplacing(true)}>
              Replace URL
            </button>{" "}
            <button type="button" className="link-danger" onClick={() => void onRemove()} aria-label={`Remove ${c.name}`}>
              Remove
            </button>
          </>
        )}
        <MutationError error={remove.error} />
        {dialog}
      </td>
    </tr>
  );
}

function CreateChannel() {
  const id = useId();
  const { trpc, onSettled } = useRefreshAfter();
  const create = useMutation(trpc.alerts.channels.create.mutationOptions({ onSettled }));
  const [kind, setKind] = useState<Kind>("slack");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const errors = formErrors(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSecret(null);
    create.mutate(
      { kind, name, url },
      {
        onSuccess: (c) => {
          if (c.secret) setSecret({ name, secret: c.secret });
          setName("");
          setUrl("");
        },
      },
    );
  };
  const field = (key: "name" | "url") => ({ "aria-invalid": errors.fields[key] ? true : undefined, "aria-describedby": errors.fields[key] ? `${id}-${key}-error` : undefined });
  return (
    <>
      <h3>Add a channel</h3>
      <form className="inline" onSubmit={submit} aria-label="Add an alert channel" noValidate>
        <div className="form-field">
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value === "webhook" ? "webhook" : "slack")}>
              <option value="slack">Slack incoming webhook</option>
              <option value="webhook">Webhook (signed)</option>
            </select>
          </label>
        </div>
        <div className="form-field">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" required {...field("name")} />
          </label>
          <FieldError id={`${id}-name-error`} message={errors.fields.name} />
        </div>
        <div className="form-field">
          <label>
            URL (https)
            <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} autoComplete="off" required {...field("url")} />
          </label>
          <FieldError id={`${id}-url-error`} message={errors.fields.url} />
        </div>
        <button type="submit" className="primary" disabled={create.isPending || name.trim() === "" || url.trim() === ""}>
          Add channel
        </button>
      </form>
      {unclaimed(errors, ["name", "url"]) ? (
        <p className="form-message" role="alert">
          {unclaimed(errors, ["name", "url"])}
        </p>
      ) : null}
      {secret ? (
        <div className="warning-box one-time" data-new-secret={secret.name}>
          <p>
            <strong>Copy this signing secret now: it is shown only this once.</strong> Your endpoint verifies each request's webhook-signature header with
            it (Standard Webhooks). If it is lost, remove the channel and add it again.
          </p>
          <CopyBox label={`Signing secret of "${secret.name}"`} text={secret.secret} />
          <button type="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      ) : null}
    </>
  );
}
