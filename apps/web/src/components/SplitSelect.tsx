import { useQuery } from "@tanstack/react-query";
import type { AggregateInput } from "../lib/api-input.ts";
import { availableSplits, parseSplit, SPLIT_PARAM, type Split, splitChoices, splitParam } from "../lib/prepare-dimensions.ts";
import { useTRPC } from "../lib/trpc.ts";
import { useFilters } from "../lib/use-filters.ts";

/**
 * The split of the dimension views (by function, or by a ready promoted tag key) that aggregates filtered
 * like `input` can read, from the URL's `by`.
 */
export function useSplit(input: AggregateInput): { split: Split; available: Split[] } {
  const trpc = useTRPC();
  const { params } = useFilters();
  const dimensions = useQuery(trpc.dimensions.list.queryOptions({}));
  const readyKeys = (dimensions.data?.tags ?? []).filter((t) => t.state === "ready").map((t) => t.key);
  const available = availableSplits(input, readyKeys);
  return { split: parseSplit(params, available), available };
}

/** By function, or by one of the ready promoted tag keys (TALLY_TAG_KEYS); the choice is kept in the URL. */
export function SplitSelect({ split, available }: { split: Split; available: Split[] }) {
  const { setParams } = useFilters();
  return (
    <label className="small nowrap">
      Split by{" "}
      <select aria-label="Split by" value={splitParam(split) ?? "function"} onChange={(e) => setParams({ [SPLIT_PARAM]: e.target.value === "function" ? null : e.target.value })}>
        {splitChoices(available).map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}
