import type { TRPCRouterRecord } from "@trpc/server";

export const alertsRouter = {} satisfies TRPCRouterRecord;
