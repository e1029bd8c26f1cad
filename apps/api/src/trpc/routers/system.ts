import type { TRPCRouterRecord } from "@trpc/server";
import { hasDemoData } from "../../demo/seed.ts";
import { publicProcedure } from "../init.ts";

export const systemRouter = {
  /** What the dashboard labels: whether the demo history is in the database. */
  status: publicProcedure.query(async ({ ctx }) => ({ demoData: await hasDemoData(ctx.db) })),
} satisfies TRPCRouterRecord;
