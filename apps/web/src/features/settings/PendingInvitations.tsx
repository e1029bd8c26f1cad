import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime } from "../../lib/format.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { useConfirm } from "./ConfirmDialog.tsx";
import { formErrors, unclaimed } from "./lib/field-errors.ts";

type Pending = RouterOutputs["users"]["invitations"][number];

/** Invitations not used yet: who, which role, until when; each revocable (its link stops working at once). */
export function PendingInvitations({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const invitations = useQuery(trpc.users.invitations.queryOptions());
  return (
    <QueryView query={invitations} loading={<Skeleton height={60} label="loading invitations" />} isEmpty={(list) => list.length === 0} empty={<p className="small muted">No pending invitations.</p>}>
      {(list) => (
        <table>
          <caption>Pending invitations ({list.length}): a new invitation for the same email replaces the earlier one</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Invited by</th>
              <th scope="col">Expires ({tz})</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <InvitationRow key={i.email} invitation={i} tz={tz} />
            ))}
          </tbody>
        </table>
      )}
    </QueryView>
  );
}

function InvitationRow({ invitation: i, tz }: { invitation: Pending; tz: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { confirm, dialog } = useConfirm();
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.users.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
  const revoke = useMutation(trpc.users.revokeInvitation.mutationOptions({ onSettled: refresh }));
  const errors = formErrors(revoke.error);
  const message = errors.fields.email ?? unclaimed(errors, ["email"]);
  const onRevoke = async () => {
    const ok = await confirm({
      title: `Revoke the invitation for ${i.email}?`,
      body: <p>The setup link stops working at once. You can invite them again later.</p>,
      confirmLabel: "Revoke invitation",
      danger: true,
    });
    if (ok) revoke.mutate({ email: i.email });
  };
  return (
    <tr data-pending-invitation={i.email}>
      <td>{i.email}</td>
      <td>{i.role}</td>
      <td>{i.createdBy}</td>
      <td className="nowrap">{dateTime(i.expiresAt, tz)}</td>
      <td>
        <button type="button" className="link-danger" onClick={() => void onRevoke()} disabled={revoke.isPending} aria-label={`Revoke the invitation for ${i.email}`}>
          Revoke
        </button>
        {message ? (
          <p className="form-message" role="alert">
            {message}
          </p>
        ) : null}
        {dialog}
      </td>
    </tr>
  );
}
