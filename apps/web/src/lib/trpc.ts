import type { AppRouter } from "@tally/api/trpc";
import { QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchStreamLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, retry: 1, refetchOnWindowFocus: false },
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
