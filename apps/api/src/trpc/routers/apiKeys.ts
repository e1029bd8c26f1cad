import type { TRPCRouterRecord } from "@trpc/server";
import { apiKeyCreateInput, apiKeyRevokeInput } from "@tally/shared";
import { createApiKey, listApiKeys, revokeApiKey } from "../../auth/api-keys.ts";
import { procedure } from "../init.ts";

/** API keys for scripts and BI tools: the secret is in `create`'s answer only; the database keeps its SHA-256. */
export const apiKeysRouter = {
  list: procedure("admin").query(({ ctx }) => listApiKeys(ctx.db)),
  create: procedure("admin").input(apiKeyCreateInput).mutation(({ ctx, input }) => createApiKey(ctx.db, ctx.principal, input, ctx.now())),
  revoke: procedure("admin").input(apiKeyRevokeInput).mutation(({ ctx, input }) => revokeApiKey(ctx.db, ctx.principal, input.id, ctx.now())),
} satisfies TRPCRouterRecord;
