import type { TRPCRouterRecord } from "@trpc/server";
import { firstUnpricedInput, priceHistoryInput, priceKeyInput, priceUpdateInput, priceUpsertInput, pricesListInput } from "@tally/shared";
import { firstUnpriced, listPrices, priceHistory, removePrice, updatePrice, upsertPrice } from "../../queries/prices.ts";
import { catalogView, refreshCatalogView } from "../../pricing-catalog/catalog-view.ts";
import { procedure } from "../init.ts";

export const pricesRouter = {
  list: procedure("read").input(pricesListInput).query(({ ctx, input }) => listPrices(ctx.db, input)),
  upsert: procedure("editMoney").input(priceUpsertInput).mutation(({ ctx, input }) => upsertPrice(ctx.db, ctx.principal, input, ctx.now())),
  update: procedure("editMoney").input(priceUpdateInput).mutation(({ ctx, input }) => updatePrice(ctx.db, ctx.principal, input, ctx.now())),
  remove: procedure("editMoney").input(priceKeyInput).mutation(({ ctx, input }) => removePrice(ctx.db, ctx.principal, input, ctx.now())),
  firstUnpriced: procedure("editMoney").input(firstUnpricedInput).query(({ ctx, input }) => firstUnpriced(ctx.db, input)),
  history: procedure("read").input(priceHistoryInput).query(({ ctx, input }) => priceHistory(ctx.db, input)),
  catalog: procedure("read").query(({ ctx }) => catalogView(ctx.db)),
  refreshCatalog: procedure("editMoney").mutation(({ ctx }) => refreshCatalogView(ctx.db)),
} satisfies TRPCRouterRecord;
