import type { TRPCRouterRecord } from "@trpc/server";

/** Function slugs and promoted tags (issue 20): what the filter bar offers. Scaffold: H4 fills this in. */
export const dimensionsRouter = {} satisfies TRPCRouterRecord;
