import type { TRPCRouterRecord } from "@trpc/server";
import { priceUpsertInput, pricesListInput } from "@tally/shared";
import { listPrices, upsertPrice } from "../../queries/prices.ts";
import { procedure } from "../init.ts";

export const pricesRouter = {
  list: procedure("read").input(pricesListInput).query(({ ctx, input }) => listPrices(ctx.db, input)),
  upsert: procedure("editMoney").input(priceUpsertInput).mutation(({ ctx, input }) => upsertPrice(ctx.db, ctx.principal, input, ctx.now())),
} satisfies TRPCRouterRecord;
