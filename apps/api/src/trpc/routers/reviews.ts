import type { TRPCRouterRecord } from "@trpc/server";

export const reviewsRouter = {} satisfies TRPCRouterRecord;
