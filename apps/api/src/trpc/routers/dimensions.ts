import type { TRPCRouterRecord } from "@trpc/server";
import { dimensionsListInput } from "@tally/shared";
import { getDimensions } from "../../queries/dimensions.ts";
import { procedure } from "../init.ts";

/** Function slugs and promoted tags (issue 20): what the filter bar offers. */
export const dimensionsRouter = {
  list: procedure("read").input(dimensionsListInput).query(({ ctx }) => getDimensions(ctx.db)),
} satisfies TRPCRouterRecord;
