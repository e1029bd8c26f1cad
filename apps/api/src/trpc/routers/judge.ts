import type { TRPCRouterRecord } from "@trpc/server";
import { judgeSamplingRemoveInput, judgeSamplingSetInput } from "@tally/shared";
import { DEFAULT_JUDGE_SETTINGS, getJudgeStatus, listJudgeSampling, removeJudgeSampling, setJudgeSampling } from "../../queries/judge.ts";
import { procedure } from "../init.ts";

/** Judge spend under control: today's judge spend against the daily budget, and the sample-rate overrides. */
export const judgeRouter = {
  status: procedure("read").query(({ ctx }) => getJudgeStatus(ctx.db, ctx.judge ?? DEFAULT_JUDGE_SETTINGS, ctx.now())),
  sampling: {
    list: procedure("read").query(({ ctx }) => listJudgeSampling(ctx.db)),
    set: procedure("editMoney").input(judgeSamplingSetInput).mutation(({ ctx, input }) => setJudgeSampling(ctx.db, ctx.principal, input, ctx.now())),
    remove: procedure("editMoney").input(judgeSamplingRemoveInput).mutation(({ ctx, input }) => removeJudgeSampling(ctx.db, ctx.principal, input, ctx.now())),
  },
} satisfies TRPCRouterRecord;
