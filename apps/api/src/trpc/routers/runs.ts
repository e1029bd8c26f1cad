import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import { runByIdInput, runsListInput } from "@tally/shared";
import { getRunById } from "../../queries/run-detail.ts";
import { listRuns } from "../../queries/runs.ts";
import { procedure } from "../init.ts";

export const runsRouter = {
  list: procedure("read").input(runsListInput).query(({ ctx, input }) => listRuns(ctx.db, input)),
  byId: procedure("read").input(runByIdInput).query(async ({ ctx, input }) => {
    const run = await getRunById(ctx.db, input.runId, ctx.runUrlTemplate);
    if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `no run ${input.runId}` });
    return run;
  }),
} satisfies TRPCRouterRecord;
