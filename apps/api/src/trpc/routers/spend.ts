import type { TRPCRouterRecord } from "@trpc/server";
import { spendByCustomerInput, spendByDimensionInput, spendByModelInput, spendTimeseriesInput } from "@tally/shared";
import { getSpendByCustomer, getSpendByModel } from "../../queries/spend-breakdown.ts";
import { getSpendByDimension } from "../../queries/spend-by-dimension.ts";
import { getSpendTimeseries } from "../../queries/spend-timeseries.ts";
import { getStatement, statementInput } from "../../queries/statement.ts";
import { procedure } from "../init.ts";

export const spendRouter = {
  timeseries: procedure("read").input(spendTimeseriesInput).query(({ ctx, input }) => getSpendTimeseries(ctx.db, input)),
  byCustomer: procedure("read").input(spendByCustomerInput).query(({ ctx, input }) => getSpendByCustomer(ctx.db, input)),
  byModel: procedure("read").input(spendByModelInput).query(({ ctx, input }) => getSpendByModel(ctx.db, input)),
  byDimension: procedure("read").input(spendByDimensionInput).query(({ ctx, input }) => getSpendByDimension(ctx.db, input)),
  statement: procedure("read").input(statementInput).query(({ ctx, input }) => getStatement(ctx.db, input, ctx.now())),
} satisfies TRPCRouterRecord;
