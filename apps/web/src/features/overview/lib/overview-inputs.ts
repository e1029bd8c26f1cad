import { aggregateInput } from "../../../lib/api-input.ts";
import type { BucketUnit, Filters, Window } from "../../../lib/filters.ts";

/** The Overview's three query inputs: shared by the page and the prefetch that starts before React renders. */
export function overviewInputs(filters: Filters, window: Window, bucket: BucketUnit) {
  const input = aggregateInput(filters, window);
  return {
    summary: input,
    spend: { ...input, bucket, splitBy: "model" as const },
    trend: { ...input, bucket },
  };
}
