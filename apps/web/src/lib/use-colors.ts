import { useMemo } from "react";
import { useFilterOptions } from "../app/use-filter-options.ts";
import { colorScale } from "./colors.ts";
import { useFilters } from "./use-filters.ts";

/** Colour scales over every model and customer of the window (the filter bar's cached queries). */
export function useColors(): { model: (k: string) => string; customer: (k: string) => string } {
  const { window } = useFilters();
  const o = useFilterOptions(window);
  const models = o.models.join("\n");
  const customers = o.customers.map((c) => c.id).join("\n");
  return useMemo(
    () => ({ model: colorScale(models.split("\n")), customer: colorScale(customers.split("\n")) }),
    [models, customers],
  );
}
