import type { TRPCRouterRecord } from "@trpc/server";
import { userInviteInput, userRemoveInput, userRevokeInvitationInput, userSetRoleInput } from "@tally/shared";
import { inviteUser, listInvitations, listUsers, removeUser, revokeInvitation, setUserRole } from "../../auth/accounts.ts";
import { procedure } from "../init.ts";

/** Accounts: admins list, invite (a setup link; pending ones listed and revocable), change roles and remove. Each change is in the audit log. */
export const usersRouter = {
  list: procedure("admin").query(({ ctx }) => listUsers(ctx.db)),
  invite: procedure("admin").input(userInviteInput).mutation(({ ctx, input }) => inviteUser(ctx.db, ctx.principal, input, ctx.now())),
  invitations: procedure("admin").query(({ ctx }) => listInvitations(ctx.db, ctx.now())),
  revokeInvitation: procedure("admin")
    .input(userRevokeInvitationInput)
    .mutation(async ({ ctx, input }) => {
      await revokeInvitation(ctx.db, ctx.principal, input.email, ctx.now());
      return { ok: true as const };
    }),
  setRole: procedure("admin").input(userSetRoleInput).mutation(({ ctx, input }) => setUserRole(ctx.db, ctx.principal, input.userId, input.role, ctx.now())),
  remove: procedure("admin")
    .input(userRemoveInput)
    .mutation(async ({ ctx, input }) => {
      await removeUser(ctx.db, ctx.principal, input.userId, ctx.now());
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
