import { z } from "zod";
import { checkTagKey, summaryInput, tagKeyInput } from "./analytics.ts";
import { wellFormedString } from "./strings.ts";

/**
 * Inputs of the dimension views (issue 20): spend and quality by function slug or by a promoted tag's
 * values (TALLY_TAG_KEYS), over the same window and filters as every aggregate. Browser-safe.
 */

/** What a breakdown splits by: the run's function slug, or the values of one promoted tag key (`tagKey`). */
export const dimensionInput = z.enum(["function", "tag"]);
export type DimensionInput = z.infer<typeof dimensionInput>;

/** Values shown per promoted key in `dimensions.list` (by runs, most first). */
export const MAX_TAG_VALUES = 100;

/** `dimensions.list`: the function slugs and promoted tag keys with their values. */
export const dimensionsListInput = z.strictObject({}).default({});

export const spendByDimensionInput = summaryInput
  .safeExtend({
    dimension: dimensionInput,
    tagKey: tagKeyInput.optional(),
    /** The largest rows by spend; `totals` cover every row. */
    limit: z.number().int().min(1).max(500).default(100),
  })
  .superRefine((v, ctx) => checkTagKey(v, v.dimension === "tag", ctx));

export const qualityByDimensionInput = summaryInput
  .safeExtend({
    dimension: dimensionInput,
    tagKey: tagKeyInput.optional(),
    /** One score name (criterion); default: every name. */
    name: wellFormedString().min(1).max(200).optional(),
  })
  .superRefine((v, ctx) => checkTagKey(v, v.dimension === "tag", ctx));

export type SpendByDimensionInput = z.infer<typeof spendByDimensionInput>;
export type QualityByDimensionInput = z.infer<typeof qualityByDimensionInput>;
