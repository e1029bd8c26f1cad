import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Role } from "@tally/shared";
import { ROLE_LABELS } from "@tally/shared";
import { type FormEvent, type RefObject, useId, useRef, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime } from "../../lib/format.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { useConfirm } from "./ConfirmDialog.tsx";
import { CopyBox } from "./CopyBox.tsx";
import { curlExample } from "./lib/api-key-example.ts";
import { formErrors, unclaimed } from "./lib/field-errors.ts";
import { relativeTime } from "./lib/relative-time.ts";
import { FieldError, RoleSelect } from "./RoleSelect.tsx";
import { FocusKeepingButton } from "../../components/FocusKeepingButton.tsx";

type ApiKey = RouterOutputs["apiKeys"]["list"][number];
type Created = RouterOutputs["apiKeys"]["create"];

/** Admins: keys for scripts and BI tools (`Authorization: Bearer <key>` on tRPC and CSV routes). */
export function ApiKeysSection({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  return (
    <>
      <Card title="API keys" subtitle="For scripts and BI tools: send Authorization: Bearer <key> to /api/trpc or /api/export. A key acts with its role.">
        <QueryView
          query={keys}
          loading={<Skeleton height={120} label="loading API keys" />}
          isEmpty={(d) => d.length === 0}
          empty={<EmptyState title="No API keys yet.">Create one below for a script or a BI tool.</EmptyState>}
        >
          {(list) => <KeysTable keys={list} tz={tz} />}
        </QueryView>
      </Card>
      <CreateKeyCard />
    </>
  );
}

function KeysTable({ keys, tz }: { keys: ApiKey[]; tz: string }) {
  const now = Date.now();
  // Focus lands here after a revoke: the row's Revoke button, which had it, is gone.
  const table = useRef<HTMLTableElement>(null);
  return (
    <table ref={table} tabIndex={-1}>
      <caption>API keys, newest first ({keys.filter((k) => k.revokedAt === null).length} active)</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Role</th>
          <th scope="col">Key</th>
          <th scope="col">Created by</th>
          <th scope="col">Created ({tz})</th>
          <th scope="col">Last used</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <KeyRow key={k.id} apiKey={k} tz={tz} now={now} table={table} />
        ))}
      </tbody>
    </table>
  );
}

function KeyRow({ apiKey: k, tz, now, table }: { apiKey: ApiKey; tz: string; now: number; table: RefObject<HTMLTableElement | null> }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const id = useId();
  const { confirm, dialog } = useConfirm();
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: trpc.apiKeys.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]),
      onSuccess: () => table.current?.focus(),
    }),
  );
  const errors = formErrors(revoke.error);
  const message = errors.fields.id ?? unclaimed(errors, ["id"]) ?? undefined;
  const onRevoke = async () => {
    const ok = await confirm({
      title: `Revoke the key "${k.name}"?`,
      body: <p>Anything using it gets 401 from now on. This cannot be undone: create a new key to give access again.</p>,
      confirmLabel: "Revoke key",
      danger: true,
    });
    if (ok) revoke.mutate({ id: k.id });
  };
  return (
    <tr data-api-key={k.name} className={k.revokedAt !== null ? "muted" : undefined}>
      <td>{k.name}</td>
      <td>{k.role}</td>
      <td className="mono">{k.prefix}…</td>
      <td>{k.createdBy}</td>
      <td className="nowrap">{dateTime(k.createdAt, tz)}</td>
      <td className="nowrap" title={k.lastUsedAt === null ? undefined : dateTime(k.lastUsedAt, tz)}>
        {relativeTime(k.lastUsedAt, now, tz)}
      </td>
      <td className="nowrap">{k.revokedAt === null ? <span className="badge">active</span> : <span className="badge bad">revoked {dateTime(k.revokedAt, tz)}</span>}</td>
      <td>
        {k.revokedAt === null ? (
          <FocusKeepingButton
            type="button"
            className="link-danger"
            onClick={() => void onRevoke()}
            unavailable={revoke.isPending}
            aria-label={`Revoke ${k.name}`}
            aria-describedby={message ? `${id}-error` : undefined}
          >
            Revoke
          </FocusKeepingButton>
        ) : null}
        <FieldError id={`${id}-error`} message={message} />
        {dialog}
      </td>
    </tr>
  );
}

function CreateKeyCard() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const id = useId();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [created, setCreated] = useState<Created | null>(null);
  // "I have copied it" hides the new key with its button: the focus goes back to Create key, which showed it.
  const createButton = useRef<HTMLButtonElement>(null);
  const done = () => {
    setCreated(null);
    createButton.current?.focus();
  };
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: (c) => {
        setCreated(c);
        setName("");
        return Promise.all([qc.invalidateQueries({ queryKey: trpc.apiKeys.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
      },
    }),
  );
  const errors = formErrors(create.error);
  const formMessage = unclaimed(errors, ["name", "role"]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    create.mutate({ name, role });
  };
  return (
    <Card title="Create an API key">
      <form className="inline" onSubmit={submit} aria-label="Create an API key" noValidate>
        <div className="form-field">
          <label>
            Name
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. metabase"
              autoComplete="off"
              required
              aria-invalid={errors.fields.name ? true : undefined}
              aria-describedby={errors.fields.name ? `${id}-name-error` : undefined}
            />
          </label>
          <FieldError id={`${id}-name-error`} message={errors.fields.name} />
        </div>
        <div className="form-field">
          <label>
            Role
            <RoleSelect value={role} onRole={setRole} aria-describedby={`${id}-role-help${errors.fields.role ? ` ${id}-role-error` : ""}`} aria-invalid={errors.fields.role ? true : undefined} />
          </label>
          <span id={`${id}-role-help`} className="small muted">
            {ROLE_LABELS[role]}
          </span>
          <FieldError id={`${id}-role-error`} message={errors.fields.role} />
        </div>
        <FocusKeepingButton ref={createButton} type="submit" className="primary" unavailable={create.isPending || name.trim() === ""} aria-describedby={`${id}-create-problem`}>
          Create key
        </FocusKeepingButton>
        <span id={`${id}-create-problem`} className="small muted" role="status">
          {name.trim() === "" ? "Enter a name for the key." : ""}
        </span>
      </form>
      {formMessage ? (
        <p className="form-message" role="alert">
          {formMessage}
        </p>
      ) : null}
      {created ? <NewKey created={created} onDone={done} /> : null}
    </Card>
  );
}

function NewKey({ created, onDone }: { created: Created; onDone: () => void }) {
  const origin = window.location.origin;
  return (
    <div className="warning-box one-time" data-new-key={created.key.name}>
      <p>
        <strong>Copy this key now: it is shown only this once.</strong> Tally stores only its hash, so nobody can show it again; if it is
        lost, revoke it and create another. Keep it as you would a password.
      </p>
      <CopyBox label={`Secret of "${created.key.name}" (${created.key.role})`} text={created.secret} focusOnShow />
      <CopyBox label="Try it: the last 7 days of runs as CSV" text={curlExample(origin, created.secret, Date.now())} multiline />
      <button type="button" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
