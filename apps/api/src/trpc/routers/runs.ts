import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import { runByIdInput, runsListInput } from "@tally/shared";
import { getRunById } from "../../queries/run-detail.ts";
import { listRuns, listScoreNames } from "../../queries/runs.ts";
import { procedure } from "../init.ts";

export const runsRouter = {
  list: procedure("read").input(runsListInput).query(({ ctx, input }) => listRuns(ctx.db, input)),
  /** Every score name recorded, case exact: the Runs page's score-name choice. */
  scoreNames: procedure("read").query(({ ctx }) => listScoreNames(ctx.db)),
  byId: procedure("read").input(runByIdInput).query(async ({ ctx, input }) => {
    const run = await getRunById(ctx.db, input.runId, ctx.runUrlTemplate);
    if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `no run ${input.runId}` });
    return run;
  }),
} satisfies TRPCRouterRecord;
