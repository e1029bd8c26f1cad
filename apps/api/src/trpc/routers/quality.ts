import type { TRPCRouterRecord } from "@trpc/server";
import { compareModelsInput, costVsQualityInput, qualityTrendInput } from "@tally/shared";
import { compareModels, getCostVsQuality, getQualityTrend } from "../../queries/quality.ts";
import { publicProcedure } from "../init.ts";

export const qualityRouter = {
  trend: publicProcedure.input(qualityTrendInput).query(({ ctx, input }) => getQualityTrend(ctx.db, input)),
  compareModels: publicProcedure.input(compareModelsInput).query(({ ctx, input }) => compareModels(ctx.db, input)),
  costVsQuality: publicProcedure.input(costVsQualityInput).query(({ ctx, input }) => getCostVsQuality(ctx.db, input)),
} satisfies TRPCRouterRecord;
