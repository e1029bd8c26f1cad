import { z } from "zod";
import { instantSchema, isTimeZone, priceUpsertInput } from "./analytics.ts";
import { catalogId, wellFormedString } from "./strings.ts";

/**
 * Inputs of the override edit / remove / history procedures and of repricing (issue 17 §4). Browser-safe:
 * Settings imports these. Model and provider ids are stored as payloads store them (trimmed, lower-cased by
 * `catalogId`), so an override is named the way `prices.list` shows it, whatever the case typed.
 */

const id = (field: string) =>
  wellFormedString()
    .max(200, { message: `${field} must be at most 200 characters` })
    .transform(catalogId);
const model = id("model").refine((v) => v.length > 0, { message: "model is required" });
/** '' = the override for any provider. */
const provider = id("provider").default("");
const price = priceUpsertInput.shape;

/** Which override: the key of `model_prices`. */
export const priceKeyInput = z.strictObject({ model, provider, effectiveFrom: instantSchema });

export const priceUpdateInput = z.strictObject({
  model,
  provider,
  effectiveFrom: instantSchema,
  values: z.strictObject({
    inputMicrosPerMtok: price.inputMicrosPerMtok,
    outputMicrosPerMtok: price.outputMicrosPerMtok,
    cacheReadMicrosPerMtok: price.cacheReadMicrosPerMtok,
    cacheWriteMicrosPerMtok: price.cacheWriteMicrosPerMtok,
  }),
});

export const priceHistoryInput = z.strictObject({ model: id("model").optional() }).default({});

/** `prices.firstUnpriced`: the model whose oldest unpriced usage a new override should reach back to. */
export const firstUnpricedInput = z.strictObject({ model });

export const REPRICE_REASONS = ["override", "catalog", "manual"] as const;
export type RepriceReason = (typeof REPRICE_REASONS)[number];

/**
 * The usage lines a repricing reads: one model (as stored, or any line the catalog resolves to the same
 * model: see `repriceScopeModels` on the server), optionally one provider, and a time window `from` ≤
 * occurredAt < `to` (either end open).
 */
const scopeShape = {
  model,
  provider: id("provider").optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
};
const checkScope = (v: { from?: number | undefined; to?: number | undefined }, ctx: z.RefinementCtx) => {
  if (v.from !== undefined && v.to !== undefined && v.from > v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "`to` is before `from`" });
};
export const repriceScopeInput = z.strictObject(scopeShape).superRefine(checkScope);
/** The preview's scope, and the zone whose calendar months it splits the change by (statements are months in a zone). */
export const repricePreviewInput = z
  .strictObject({ ...scopeShape, timeZone: z.string().default("UTC").refine(isTimeZone, { message: "unknown IANA time zone" }) })
  .superRefine(checkScope);
export const repriceStartInput = z
  .strictObject({ ...scopeShape, reason: z.enum(REPRICE_REASONS, { message: "reason must be override, catalog or manual" }).default("manual") })
  .superRefine(checkScope);
export const repriceJobInput = z.strictObject({ id: wellFormedString().min(1, { message: "id is required" }).max(100) });

export type PriceKeyInput = z.infer<typeof priceKeyInput>;
export type PriceUpdateInput = z.infer<typeof priceUpdateInput>;
export type PriceHistoryInput = z.infer<typeof priceHistoryInput>;
export type RepriceScope = z.infer<typeof repriceScopeInput>;
export type RepricePreviewInput = z.input<typeof repricePreviewInput>;
export type RepriceStartInput = z.infer<typeof repriceStartInput>;
