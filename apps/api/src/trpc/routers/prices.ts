import type { TRPCRouterRecord } from "@trpc/server";
import { priceUpsertInput, pricesListInput } from "@tally/shared";
import { listPrices, upsertPrice } from "../../queries/prices.ts";
import { publicProcedure } from "../init.ts";

export const pricesRouter = {
  list: publicProcedure.input(pricesListInput).query(({ ctx, input }) => listPrices(ctx.db, input)),
  upsert: publicProcedure.input(priceUpsertInput).mutation(({ ctx, input }) => upsertPrice(ctx.db, input, ctx.now())),
} satisfies TRPCRouterRecord;
