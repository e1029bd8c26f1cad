import type { AppRouter } from "@tally/api/trpc";
import { keepPreviousData, MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchStreamLink, type Operation, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { MAX_BATCH_CALLS } from "@tally/shared";
import { apiHealth } from "./api-health.ts";
import { isForbidden, isSignedOut, sendToSignIn } from "./auth-redirect.ts";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** How often a visible dashboard asks again, so new runs appear without a reload. */
export const LIVE_REFRESH_MS = 30_000;

/**
 * Live by default: every query refetches every 30 s while the tab is visible and when it regains focus.
 * Preset windows slide with the clock (see `useFilters`), and the previous answer stays on screen while
 * the next one loads, so a refresh never flashes a skeleton. A refresh that fails keeps the last answer on
 * screen (QueryView) and tells `apiHealth`, which drives the offline banner; polling goes on, so the
 * figures come back by themselves when the API answers again.
 *
 * A 401 (the session expired or was signed out) from any query or mutation loads the sign-in page, which
 * comes back afterwards; a 401 or 403 is an answer, not an outage, and is not asked again.
 */
export function makeQueryClient(): QueryClient {
  // A 401 opens the sign-in page; a 403 means the role changed under the page: ask who we are again, so
  // the controls it may no longer use go away.
  const refused = (e: unknown) => {
    if (isSignedOut(e)) sendToSignIn();
    else if (isForbidden(e)) void client.invalidateQueries({ queryKey: ME_KEY, exact: false });
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onSuccess: () => apiHealth.answered(),
      onError: (e, query) => {
        if (JSON.stringify(query.queryKey[0]) !== JSON.stringify(ME_KEY[0])) refused(e);
        else if (isSignedOut(e)) sendToSignIn();
        apiHealth.failed(e);
      },
    }),
    mutationCache: new MutationCache({ onError: refused }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: shouldRetry,
        refetchOnWindowFocus: true,
        refetchInterval: LIVE_REFRESH_MS,
        placeholderData: keepPreviousData,
      },
    },
  });
  return client;
}

/** `system.me`'s query key prefix (tRPC's: the path, then the input and type). */
const ME_KEY = [["system", "me"]] as const;

/** One more try after a failure, except when the answer was "sign in" (401) or "not your role" (403). */
export function shouldRetry(failures: number, error: unknown): boolean {
  return failures < 1 && !isSignedOut(error) && !isForbidden(error);
}

export type TrpcClient = ReturnType<typeof makeTrpcClient>;

/**
 * Longest GET URL the dashboard sends. Node answers 431 past 16 KB of request headers (URL included), and
 * proxies often stop at 8 KB; a query whose input alone would pass this goes by POST.
 */
export const MAX_GET_URL = 6_000;

/** Whether a query's input is too long for a GET URL (a list of 500 customer ids is). */
export function sendsByPost(op: Pick<Operation, "type" | "path" | "input">): boolean {
  if (op.type !== "query") return false;
  // The URL of this call alone: `<url>/<path>?batch=1&input={"0":<input>}`, the input URI-encoded.
  return op.path.length + encodeURIComponent(JSON.stringify({ 0: op.input ?? null })).length + 64 > MAX_GET_URL;
}

/** `headers`: for scripts and tests outside a browser (an API key: `{ authorization: "Bearer …" }`). */
export function makeTrpcClient(url = "/api/trpc", headers?: Record<string, string>) {
  return createTRPCClient<AppRouter>({
    // Streamed batches: each answer renders as soon as it is ready, not when the slowest one is. Short
    // queries stay GETs (batched while their URL fits); a long input is sent as a POST query (tRPC's
    // method override, allowed by the API's handler).
    links: [
      splitLink({
        condition: sendsByPost,
        true: httpBatchStreamLink({ url, methodOverride: "POST", maxItems: MAX_BATCH_CALLS, ...(headers ? { headers } : {}) }),
        false: httpBatchStreamLink({ url, maxURLLength: MAX_GET_URL, maxItems: MAX_BATCH_CALLS, ...(headers ? { headers } : {}) }),
      }),
    ],
  });
}

export type RouterOutputs = import("@trpc/server").inferRouterOutputs<AppRouter>;
export type RouterInputs = import("@trpc/server").inferRouterInputs<AppRouter>;
