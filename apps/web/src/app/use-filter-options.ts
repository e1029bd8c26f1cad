import { useQuery } from "@tanstack/react-query";
import type { Window } from "../lib/filters.ts";
import { useTRPC } from "../lib/trpc.ts";
import { useFilters } from "../lib/use-filters.ts";

export interface FilterOptions {
  models: string[];
  customers: { id: string; name: string | null }[];
  functions: string[];
  /** Promoted tag keys that are ready to filter on, with their values ('' = untagged), most runs first. */
  tags: { key: string; values: string[] }[];
}

/** The window's models (`spend.byModel`): the filter bar's model choices and every chart's colour scale
 * (`useColors`); the Overview asks it with its first queries (main.tsx). */
export function modelListInput(window: Window, timeZone: string) {
  return { from: window.from, to: window.to, timeZone, limit: 200, sparklines: false };
}

/**
 * Choices for the filter bar: models from the window's spend breakdown, customers from the customer list
 * plus any id seen in spend, function slugs and promoted tags (ready keys only) from `dimensions.list`.
 * `full` loads the costlier list (customers seen in spend); the filter bar asks for it when a select is
 * first opened, so it never delays the first chart.
 */
export function useFilterOptions(window: Window, full = false): FilterOptions {
  const trpc = useTRPC();
  const { filters } = useFilters();
  const base = { from: window.from, to: window.to, timeZone: filters.tz };
  const models = useQuery(trpc.spend.byModel.queryOptions(modelListInput(window, filters.tz)));
  const spendCustomers = useQuery({ ...trpc.spend.byCustomer.queryOptions({ ...base, limit: 500, sparklines: false }), enabled: full });
  const customers = useQuery(trpc.customers.list.queryOptions());
  const dimensions = useQuery(trpc.dimensions.list.queryOptions({}));

  const names = new Map<string, string | null>();
  for (const c of customers.data ?? []) names.set(c.id, c.name);
  for (const r of spendCustomers.data?.rows ?? []) if (!names.has(r.customerId)) names.set(r.customerId, r.name);
  return {
    models: (models.data?.rows ?? []).map((r) => r.model).sort(),
    customers: [...names].map(([id, name]) => ({ id, name })).sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id)),
    functions: dimensions.data?.functions ?? [],
    tags: readyTags(dimensions.data?.tags ?? []),
  };
}

/** Only keys whose rollups are complete can be read by an aggregate (a filling key is a 400). */
export function readyTags(tags: readonly { key: string; state: string; values: readonly { value: string }[] }[]): FilterOptions["tags"] {
  return tags.filter((t) => t.state === "ready").map((t) => ({ key: t.key, values: t.values.map((v) => v.value) }));
}
