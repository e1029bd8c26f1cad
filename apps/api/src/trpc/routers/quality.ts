import type { TRPCRouterRecord } from "@trpc/server";
import { compareModelsInput, costVsQualityInput, qualityAgreementInput, qualityByDimensionInput, qualityTrendInput } from "@tally/shared";
import { getAgreement } from "../../queries/agreement.ts";
import { compareModels } from "../../queries/compare-models.ts";
import { getCostVsQuality, getQualityTrend } from "../../queries/quality.ts";
import { getQualityByDimension } from "../../queries/quality-by-dimension.ts";
import { procedure } from "../init.ts";

export const qualityRouter = {
  trend: procedure("read").input(qualityTrendInput).query(({ ctx, input }) => getQualityTrend(ctx.db, input)),
  compareModels: procedure("read").input(compareModelsInput).query(({ ctx, input }) => compareModels(ctx.db, input)),
  costVsQuality: procedure("read").input(costVsQualityInput).query(({ ctx, input }) => getCostVsQuality(ctx.db, input)),
  byDimension: procedure("read").input(qualityByDimensionInput).query(({ ctx, input }) => getQualityByDimension(ctx.db, input)),
  agreement: procedure("read").input(qualityAgreementInput).query(({ ctx, input }) => getAgreement(ctx.db, input)),
} satisfies TRPCRouterRecord;
