import type { TRPCRouterRecord } from "@trpc/server";
import { auditListInput } from "@tally/shared";
import { listAudit } from "../../queries/audit.ts";
import { procedure } from "../init.ts";

/** The audit log, read-only: no procedure updates or deletes an entry. */
export const auditRouter = {
  list: procedure("admin").input(auditListInput).query(({ ctx, input }) => listAudit(ctx.db, input)),
} satisfies TRPCRouterRecord;
