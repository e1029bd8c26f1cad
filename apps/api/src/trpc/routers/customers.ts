import type { TRPCRouterRecord } from "@trpc/server";
import { customerUpsertInput } from "@tally/shared";
import { listCustomers, upsertCustomer } from "../../queries/customers.ts";
import { procedure } from "../init.ts";

export const customersRouter = {
  list: procedure("read").query(({ ctx }) => listCustomers(ctx.db)),
  upsert: procedure("editMoney").input(customerUpsertInput).mutation(({ ctx, input }) => upsertCustomer(ctx.db, ctx.principal, input, ctx.now())),
} satisfies TRPCRouterRecord;
