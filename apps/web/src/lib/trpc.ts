import type { AppRouter } from "@tally/api/trpc";
import { keepPreviousData, QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchStreamLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** How often a visible dashboard asks again, so new runs appear without a reload. */
export const LIVE_REFRESH_MS = 30_000;

/**
 * Live by default: every query refetches every 30 s while the tab is visible and when it regains focus.
 * Preset windows slide with the clock (see `useFilters`), and the previous answer stays on screen while
 * the next one loads, so a refresh never flashes a skeleton.
 */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: 1,
        refetchOnWindowFocus: true,
        refetchInterval: LIVE_REFRESH_MS,
        placeholderData: keepPreviousData,
      },
    },
  });
}

export type TrpcClient = ReturnType<typeof makeTrpcClient>;

export function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    // Streamed batches: each answer renders as soon as it is ready, not when the slowest one is.
    links: [httpBatchStreamLink({ url: "/api/trpc" })],
  });
}

export type RouterOutputs = import("@trpc/server").inferRouterOutputs<AppRouter>;
export type RouterInputs = import("@trpc/server").inferRouterInputs<AppRouter>;
