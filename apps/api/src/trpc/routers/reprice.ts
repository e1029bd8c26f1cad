import type { TRPCRouterRecord } from "@trpc/server";
import { repriceJobInput, repricePreviewInput, repriceStartInput } from "@tally/shared";
import { getRepriceJob, listRepriceJobs, startReprice } from "../../reprice/jobs.ts";
import { previewReprice } from "../../reprice/preview.ts";
import { procedure } from "../init.ts";

export const repriceRouter = {
  preview: procedure("editMoney").input(repricePreviewInput).query(({ ctx, input }) => previewReprice(ctx.db, input)),
  start: procedure("editMoney").input(repriceStartInput).mutation(({ ctx, input }) => startReprice(ctx.db, ctx.principal, input, ctx.now())),
  jobs: procedure("read").query(({ ctx }) => listRepriceJobs(ctx.db)),
  job: procedure("read").input(repriceJobInput).query(({ ctx, input }) => getRepriceJob(ctx.db, input.id)),
} satisfies TRPCRouterRecord;
