import { useMemo } from "react";
import { useFilterOptions } from "../app/use-filter-options.ts";
import { colorScale } from "./colors.ts";
import { useFilters } from "./use-filters.ts";

/**
 * A colour scale over every model of the window (the filter bar's cached query), so a model keeps its
 * colour on every chart. Customers are too many for one palette: the Spend chart colours its top few by rank.
 */
export function useColors(): { model: (k: string) => string } {
  const { window } = useFilters();
  const o = useFilterOptions(window);
  const models = o.models.join("\n");
  return useMemo(() => ({ model: colorScale(models.split("\n")) }), [models]);
}
