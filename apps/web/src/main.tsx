import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { modelListInput } from "./app/use-filter-options.ts";
import { preloadCharts } from "./components/charts/lazy.tsx";
import { overviewInputs } from "./features/overview/lib/overview-inputs.ts";
import { parseFilters, pickBucket, resolveWindow } from "./lib/filters.ts";
import type { AppRouter } from "@tally/api/trpc";
import { makeQueryClient, makeTrpcClient } from "./lib/trpc.ts";
import "./styles.css";
import "./responsive.css";

const queryClient = makeQueryClient();
const trpcClient = makeTrpcClient();

// The landing page's data and chart code are requested before React's first render (same query keys
// as the page, so the page picks the answers up instead of asking again).
preloadCharts();
if (window.location.pathname === "/") {
  const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
  const filters = parseFilters(window.location.search);
  const w = resolveWindow(filters, Math.ceil(Date.now() / 60_000) * 60_000);
  const inputs = overviewInputs(filters, w, pickBucket(w));
  void queryClient.prefetchQuery(trpc.overview.summary.queryOptions(inputs.summary));
  void queryClient.prefetchQuery(trpc.spend.timeseries.queryOptions(inputs.spend));
  void queryClient.prefetchQuery(trpc.quality.trend.queryOptions(inputs.trend));
  // The colour scale's models: the charts wait for them, so they come in the same request.
  void queryClient.prefetchQuery(trpc.spend.byModel.queryOptions(modelListInput(w, filters.tz)));
}

const root = document.getElementById("root");
if (!root) throw new Error("#root missing from index.html");
createRoot(root).render(
  <StrictMode>
    <App queryClient={queryClient} trpcClient={trpcClient} />
  </StrictMode>,
);
