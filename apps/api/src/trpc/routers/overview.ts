import type { TRPCRouterRecord } from "@trpc/server";
import { summaryInput } from "@tally/shared";
import { getSummary } from "../../queries/overview.ts";
import { procedure } from "../init.ts";

export const overviewRouter = {
  summary: procedure("read").input(summaryInput).query(({ ctx, input }) => getSummary(ctx.db, input)),
} satisfies TRPCRouterRecord;
