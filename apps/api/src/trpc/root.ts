import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createCallerFactory, createTRPCRouter } from "./init.ts";
import { alertsRouter } from "./routers/alerts.ts";
import { apiKeysRouter } from "./routers/apiKeys.ts";
import { auditRouter } from "./routers/audit.ts";
import { customersRouter } from "./routers/customers.ts";
import { dimensionsRouter } from "./routers/dimensions.ts";
import { judgeRouter } from "./routers/judge.ts";
import { overviewRouter } from "./routers/overview.ts";
import { pricesRouter } from "./routers/prices.ts";
import { qualityRouter } from "./routers/quality.ts";
import { repriceRouter } from "./routers/reprice.ts";
import { reviewsRouter } from "./routers/reviews.ts";
import { runsRouter } from "./routers/runs.ts";
import { spendRouter } from "./routers/spend.ts";
import { systemRouter } from "./routers/system.ts";
import { usersRouter } from "./routers/users.ts";

export const appRouter = createTRPCRouter({
  overview: overviewRouter,
  spend: spendRouter,
  quality: qualityRouter,
  runs: runsRouter,
  customers: customersRouter,
  prices: pricesRouter,
  system: systemRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  judge: judgeRouter,
  reprice: repriceRouter,
  alerts: alertsRouter,
  reviews: reviewsRouter,
  dimensions: dimensionsRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export const createCaller = createCallerFactory(appRouter);
export type { Context } from "./init.ts";
