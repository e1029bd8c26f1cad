import type { TRPCRouterRecord } from "@trpc/server";
import { priceUpsertInput, pricesListInput } from "@tally/shared";
import { listPrices, upsertPrice } from "../../queries/prices.ts";
import { publicProcedure } from "../init.ts";

/** The model id is stored trimmed (queries/prices.ts): a blank one would name no model. */
const upsertInput = priceUpsertInput.refine((p) => p.model.trim() !== "", { path: ["model"], message: "model must not be blank" });

export const pricesRouter = {
  list: publicProcedure.input(pricesListInput).query(({ ctx, input }) => listPrices(ctx.db, input)),
  upsert: publicProcedure.input(upsertInput).mutation(({ ctx, input }) => upsertPrice(ctx.db, input, ctx.now())),
} satisfies TRPCRouterRecord;
