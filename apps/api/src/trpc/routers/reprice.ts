import type { TRPCRouterRecord } from "@trpc/server";

export const repriceRouter = {} satisfies TRPCRouterRecord;
