import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Role } from "@tally/shared";
import { ROLE_LABELS } from "@tally/shared";
import { type FormEvent, type RefObject, useEffect, useId, useRef, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime } from "../../lib/format.ts";
import { useMe } from "../../lib/session.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { useConfirm } from "./ConfirmDialog.tsx";
import { CopyBox } from "./CopyBox.tsx";
import { PendingInvitations } from "./PendingInvitations.tsx";
import { formErrors, unclaimed } from "./lib/field-errors.ts";
import { FieldError, RoleSelect } from "./RoleSelect.tsx";
import { FocusKeepingButton } from "../../components/FocusKeepingButton.tsx";

type User = RouterOutputs["users"]["list"][number];
type Invitation = RouterOutputs["users"]["invite"];

const METHOD_LABELS: Record<string, string> = { credential: "password" };
const methodLabel = (m: string) => METHOD_LABELS[m] ?? `SSO (${m})`;

/** Admins: every account, its role and how it signs in; role changes, removal and invitations. */
export function UsersSection({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());
  const me = useMe();
  // Focus lands here after a removal: the row whose Remove button had it is gone.
  const table = useRef<HTMLTableElement>(null);
  return (
    <>
      <Card title="Users" subtitle="Everyone who can sign in, with their role. A new role applies when you press Apply. Changes are recorded in the audit log.">
        <QueryView query={users} loading={<Skeleton height={120} label="loading users" />}>
          {(list) => (
            <table ref={table} tabIndex={-1}>
              <caption>Users ({list.length})</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Signs in with</th>
                  <th scope="col">Created ({tz})</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => (
                  <UserRow key={u.id} user={u} isMe={me?.kind === "user" && me.id === u.id} tz={tz} table={table} />
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
      </Card>
      <InviteCard tz={tz} />
    </>
  );
}

function UserRow({ user, isMe, tz, table }: { user: User; isMe: boolean; tz: string; table: RefObject<HTMLTableElement | null> }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const id = useId();
  const { confirm, dialog } = useConfirm();
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.users.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
  const setRole = useMutation(trpc.users.setRole.mutationOptions({ onSettled: refresh }));
  const remove = useMutation(trpc.users.remove.mutationOptions({ onSettled: refresh, onSuccess: () => table.current?.focus() }));
  // The role picked in the select, applied only by Apply: arrow keys on a closed select change it one step at a time.
  const [draft, setDraft] = useState<Role | null>(null);
  const select = useRef<HTMLSelectElement>(null);
  // Back to the select once Apply or Cancel is gone (and after a question's dialog has given focus back).
  const [refocus, setRefocus] = useState(0);
  useEffect(() => {
    if (refocus > 0) select.current?.focus();
  }, [refocus]);
  const roleErrors = formErrors(setRole.error);
  const removeErrors = formErrors(remove.error);
  const roleMessage = roleErrors.fields.role ?? roleErrors.fields.userId ?? unclaimed(roleErrors, ["role", "userId"]) ?? undefined;
  const removeMessage = removeErrors.fields.userId ?? unclaimed(removeErrors, ["userId"]) ?? undefined;

  const changeRole = async (role: Role) => {
    if (role === user.role) return;
    const demotingSelf = isMe && role !== "admin";
    if (demotingSelf || user.role === "admin") {
      const ok = await confirm({
        title: demotingSelf ? "Give up your admin role?" : `Change ${user.email} from admin to ${role}?`,
        body: demotingSelf ? (
          <p>You will no longer manage users, API keys or the audit log. Another admin would have to give the role back.</p>
        ) : (
          <p>{user.email} will lose access to users, API keys and the audit log. API keys they created keep their roles: revoke any they should no longer use under API keys.</p>
        ),
        confirmLabel: `Make ${demotingSelf ? "me" : "them"} ${role}`,
        danger: true,
      });
      if (!ok) return;
    }
    remove.reset();
    setRole.mutate({ userId: user.id, role });
  };

  const apply = async () => {
    if (draft) await changeRole(draft);
    setDraft(null);
    setRefocus((n) => n + 1);
  };
  const cancel = () => {
    setDraft(null);
    setRefocus((n) => n + 1);
  };

  const removeUser = async () => {
    if (remove.isPending) return;
    const ok = await confirm({
      title: `Remove ${user.email}?`,
      body: (
        <p>
          Their account, sessions, sign-in methods and any pending invitation are deleted; they can no longer sign in. Their past changes stay in the audit log.
          API keys belong to the team and stay active: revoke any they should no longer use under API keys, which shows who created each.
        </p>
      ),
      confirmLabel: "Remove user",
      danger: true,
    });
    if (!ok) return;
    setRole.reset();
    remove.mutate({ userId: user.id });
  };

  const shownRole = setRole.isPending && setRole.variables ? setRole.variables.role : user.role;
  return (
    <tr data-user={user.email}>
      <td>
        {user.email}
        {isMe ? <span className="badge you">you</span> : null}
      </td>
      <td>{user.name}</td>
      <td>
        <div className="row">
          <RoleSelect
            ref={select}
            value={draft ?? shownRole}
            onRole={(r) => (setRole.isPending ? undefined : setDraft(r === user.role ? null : r))}
            aria-disabled={setRole.isPending || undefined}
            aria-label={`Role of ${user.email}`}
            aria-invalid={roleMessage ? true : undefined}
            aria-describedby={roleMessage ? `${id}-role-error` : undefined}
          />
          {draft ? (
            <>
              <button type="button" className="primary" onClick={() => void apply()} aria-label={`Apply role ${draft} to ${user.email}`}>
                Apply
              </button>
              <button type="button" onClick={cancel} aria-label={`Keep ${user.role} for ${user.email}`}>
                Cancel
              </button>
            </>
          ) : null}
        </div>
        <FieldError id={`${id}-role-error`} message={roleMessage} />
      </td>
      <td>{user.signInMethods.length > 0 ? user.signInMethods.map(methodLabel).join(", ") : <span className="muted">none</span>}</td>
      <td className="nowrap">{dateTime(user.createdAt, tz)}</td>
      <td>
        {isMe ? null : (
          <button type="button" className="link-danger" onClick={() => void removeUser()} aria-disabled={remove.isPending || undefined} aria-label={`Remove ${user.email}`} aria-describedby={removeMessage ? `${id}-remove-error` : undefined}>
            Remove
          </button>
        )}
        <FieldError id={`${id}-remove-error`} message={removeMessage} />
        {dialog}
      </td>
    </tr>
  );
}

function InviteCard({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const id = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [sent, setSent] = useState<Invitation | null>(null);
  const invite = useMutation(
    trpc.users.invite.mutationOptions({
      onSuccess: (inv) => {
        setSent(inv);
        setEmail("");
        void qc.invalidateQueries({ queryKey: trpc.audit.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.users.invitations.queryKey() });
      },
    }),
  );
  const errors = formErrors(invite.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSent(null);
    invite.mutate({ email, role });
  };
  return (
    <Card title="Invite someone" subtitle="An invitation is a one-time setup link for that email, with the role you pick. It works for 7 days; a new one for the same email replaces it.">
      <form className="inline" onSubmit={submit} aria-label="Invite a user" noValidate>
        <div className="form-field">
          <label>
            Email
            <input
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoComplete="off"
              required
              aria-invalid={errors.fields.email ? true : undefined}
              aria-describedby={errors.fields.email ? `${id}-email-error` : undefined}
            />
          </label>
          <FieldError id={`${id}-email-error`} message={errors.fields.email} />
        </div>
        <div className="form-field">
          <label>
            Role
            <RoleSelect
              value={role}
              onRole={setRole}
              aria-describedby={`${id}-role-help${errors.fields.role ? ` ${id}-role-error` : ""}`}
              aria-invalid={errors.fields.role ? true : undefined}
            />
          </label>
          <span id={`${id}-role-help`} className="small muted">
            {ROLE_LABELS[role]}
          </span>
          <FieldError id={`${id}-role-error`} message={errors.fields.role} />
        </div>
        <FocusKeepingButton type="submit" className="primary" unavailable={invite.isPending || email.trim() === ""} aria-describedby={`${id}-invite-problem`}>
          Create invitation link
        </FocusKeepingButton>
        <span id={`${id}-invite-problem`} className="small muted" role="status">
          {email.trim() === "" ? "Enter their email." : ""}
        </span>
      </form>
      {unclaimed(errors, ["email", "role"]) ? (
        <p className="form-message" role="alert">
          {unclaimed(errors, ["email", "role"])}
        </p>
      ) : null}
      {sent ? <InvitationLink invitation={sent} tz={tz} /> : null}
      <PendingInvitations tz={tz} />
    </Card>
  );
}

function InvitationLink({ invitation, tz }: { invitation: Invitation; tz: string }) {
  return (
    <div className="warning-box one-time" data-invitation={invitation.email}>
      <p>
        <strong>
          Send this link to {invitation.email}: it is shown only now.
        </strong>{" "}
        Tally keeps only a hash of it, so it cannot be shown again; if it is lost, invite them again.
      </p>
      <CopyBox label={`Setup link for ${invitation.email} (${invitation.role})`} text={`${window.location.origin}${invitation.path}`} focusOnShow />
      <p className="small">
        Works once, until <strong>{dateTime(invitation.expiresAt, tz)}</strong> ({tz}). Opening it lets them choose a name and password and
        signs them in as {invitation.role}.
      </p>
    </div>
  );
}
