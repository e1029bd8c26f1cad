import type { TRPCRouterRecord } from "@trpc/server";
import { customerUpsertInput } from "@tally/shared";
import { listCustomers, upsertCustomer } from "../../queries/customers.ts";
import { publicProcedure } from "../init.ts";

export const customersRouter = {
  list: publicProcedure.query(({ ctx }) => listCustomers(ctx.db)),
  upsert: publicProcedure.input(customerUpsertInput).mutation(({ ctx, input }) => upsertCustomer(ctx.db, input, ctx.now())),
} satisfies TRPCRouterRecord;
