import { useQuery } from "@tanstack/react-query";
import type { Window } from "../lib/filters.ts";
import { useTRPC } from "../lib/trpc.ts";
import { useFilters } from "../lib/use-filters.ts";

export interface FilterOptions {
  models: string[];
  customers: { id: string; name: string | null }[];
  functions: string[];
}

/**
 * Choices for the filter bar, from what the window holds: models from the spend breakdown, customers
 * from the customer list plus any id seen in spend, functions from the most recent runs (the API has no
 * function facet; aggregates cannot filter by function).
 */
/**
 * `full` loads the costlier lists (customers seen in spend, functions of recent runs); the filter bar
 * asks for them when a select is first opened, so they never delay the first chart.
 */
export function useFilterOptions(window: Window, full = false): FilterOptions {
  const trpc = useTRPC();
  const { filters } = useFilters();
  const base = { from: window.from, to: window.to, timeZone: filters.tz };
  const models = useQuery(trpc.spend.byModel.queryOptions({ ...base, limit: 200, sparklines: false }));
  const spendCustomers = useQuery({ ...trpc.spend.byCustomer.queryOptions({ ...base, limit: 500, sparklines: false }), enabled: full });
  const customers = useQuery(trpc.customers.list.queryOptions());
  const runs = useQuery({ ...trpc.runs.list.queryOptions({ ...base, limit: 200 }), enabled: full });

  const names = new Map<string, string | null>();
  for (const c of customers.data ?? []) names.set(c.id, c.name);
  for (const r of spendCustomers.data?.rows ?? []) if (!names.has(r.customerId)) names.set(r.customerId, r.name);
  return {
    models: (models.data?.rows ?? []).map((r) => r.model).sort(),
    customers: [...names].map(([id, name]) => ({ id, name })).sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id)),
    functions: [...new Set((runs.data?.items ?? []).map((r) => r.functionSlug))].sort(),
  };
}
