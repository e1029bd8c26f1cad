import { z } from "zod";
import { ALL_UNITS, MAX_COUNT, MAX_TOKENS, type UnitDef, type UnitField, unitViolations } from "../pricing/units.ts";
import { catalogId, freeText, tagsSchema, wellFormedString } from "./strings.ts";

export { plainTags } from "./strings.ts";

/**
 * Payloads of the three deferred functions. Each schema is handed to `createDefer`, so a parent's
 * `defer(id, { function, data })` is type-checked against it and the SDK rejects a bad payload with a
 * NonRetriableError that names the field. Field names from the seed example (`response`, `model`,
 * `ticketId`, `promptTokens`, …) are kept as written; richer fields are optional. An unknown field is refused
 * by name (strict objects): a misspelt count (`webSearches`, `cached_tokens`) or `customerID` would otherwise
 * be dropped and the line priced or attributed without it. The SDK strips its own `_inngest` keys first.
 */

const id = wellFormedString().trim().min(1).max(200);
/** A model or provider id as genai-prices matches it (`catalogId`: `O3` = `o3`, `ACME` = `acme`), stored so on every path. */
const catalogIdSchema = id.transform(catalogId);
export { MAX_COUNT, MAX_TOKENS };
/** Tokens: integers in 0…1e12; searches, pages, messages: integers in 0…1e9; seconds: 0…1e9 (units.ts). */
function countSchema(unit: UnitDef) {
  if (unit.kind === "seconds") return z.number().nonnegative().max(MAX_COUNT);
  return z.number().int().nonnegative().max(unit.kind === "tokens" ? MAX_TOKENS : MAX_COUNT);
}
const FIELD_BY_COLUMN = new Map(ALL_UNITS.map((u) => [u.column, u.field]));
/** Every count field of the payload (promptTokens, completionTokens, …, audioInputTokens, webSearchRequests, …). */
const countFields = Object.fromEntries(ALL_UNITS.map((u) => [u.field, countSchema(u).optional()])) as Record<
  UnitField,
  z.ZodOptional<z.ZodNumber>
>;

/** The earliest `occurredAt` accepted; the latest is one day ahead of the server's clock. */
export const OCCURRED_AT_MIN_MS = Date.UTC(2000, 0, 1);
export const OCCURRED_AT_MAX_AHEAD_MS = 86_400_000;

/**
 * Whether a row's time (epoch ms) is one a window can show: an integer from 2000-01-01 to one day ahead of
 * `now`. The one rule for `occurredAt`, the executor's event `ts` and the time a deferred function records.
 */
export function isShowableTime(ms: unknown, now = Date.now()): ms is number {
  return typeof ms === "number" && Number.isSafeInteger(ms) && ms >= OCCURRED_AT_MIN_MS && ms <= now + OCCURRED_AT_MAX_AHEAD_MS;
}

/** Only spend a window can show: checked when the payload is processed, so "now" is the server's clock then. */
const occurredAt = z
  .union([z.number().int(), z.iso.datetime({ offset: true })])
  .refine((v) => isShowableTime(occurredAtMs(v, Number.NaN)), {
    message: "must be between 2000-01-01T00:00:00Z and one day ahead of the server's clock (epoch ms or ISO 8601)",
  });

/** Fields every payload may carry to describe the parent run. */
const runContext = {
  customerId: id.optional(),
  ticketId: id.optional(),
  tags: tagsSchema.optional(),
  /** When the parent's work happened (ms or ISO). Defaults to the deferred event's timestamp. */
  occurredAt: occurredAt.optional(),
  /** Overrides the idempotency key (default: the deferred run id). Use one per logical fact. */
  idempotencyKey: id.optional(),
};

export const criterionSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, "criterion names are lower_snake_case, at most 40 characters"),
  description: freeText().min(1).max(500),
});
export type Criterion = z.infer<typeof criterionSchema>;

export const DEFAULT_CRITERIA: readonly Criterion[] = [
  { name: "helpfulness", description: "Does the response solve the user's problem?" },
  { name: "accuracy", description: "Is every factual claim in the response correct?" },
  { name: "tone", description: "Is the response courteous, clear and on-brand?" },
];

export const scorePayloadSchema = z.strictObject({
  response: freeText().min(1).max(100_000),
  model: catalogIdSchema,
  /** The user's request, shown to the judge when given. */
  input: freeText().max(100_000).optional(),
  criteria: z.array(criterionSchema).min(1).max(10).optional(),
  ...runContext,
});
export type ScorePayload = z.infer<typeof scorePayloadSchema>;

export const trackCostsPayloadSchema = z
  .strictObject({
    model: catalogIdSchema,
    /** genai-prices provider id (openai, anthropic, google, …). Inferred from the model when absent. */
    provider: catalogIdSchema.optional(),
    customerId: id,
    /**
     * Counts (units.ts): promptTokens, completionTokens; parts of the prompt: cachedTokens, cacheWriteTokens
     * (of which cacheWrite1hTokens), audioInputTokens, imageInputTokens, videoInputTokens, cachedAudioTokens,
     * cachedImageTokens; parts of the completion: reasoningTokens, audioOutputTokens, imageOutputTokens,
     * videoOutputTokens, citationTokens; and webSearchRequests, fileSearchRequests, documentPages
     * (annotatedDocumentPages of them), textMessages, audioSeconds (audioInputSeconds of them).
     */
    ...countFields,
    /** A provider's raw `usage` object (OpenAI, Anthropic, Google, …), read with genai-prices extractUsage. */
    usage: z.record(z.string(), z.unknown()).optional(),
    /** The provider's own cost figure in USD, stored beside our computed cost, never instead of it. */
    reportedCostUsd: z.number().nonnegative().max(1e6).optional(),
    ticketId: runContext.ticketId,
    tags: runContext.tags,
    occurredAt: runContext.occurredAt,
    idempotencyKey: runContext.idempotencyKey,
  })
  .superRefine((p, ctx) => {
    const counts = p as Record<string, unknown>;
    const hasCounts = p.promptTokens !== undefined || p.completionTokens !== undefined;
    if (!hasCounts && !p.usage) {
      ctx.addIssue({
        code: "custom",
        path: ["promptTokens"],
        message: "give promptTokens/completionTokens or a raw provider `usage` object",
      });
    }
    const given = ALL_UNITS.filter((u) => counts[u.field] !== undefined);
    if (given.length && p.usage) {
      ctx.addIssue({ code: "custom", path: ["usage"], message: "give either token counts or `usage`, not both" });
    }
    if (p.usage) return;
    // Parts ≤ whole, the rules priceUsage holds every line to, named by payload field.
    const byColumn = Object.fromEntries(given.map((u) => [u.column, counts[u.field] as number]));
    // Out-of-bounds counts are already refused by their field's schema.
    for (const v of unitViolations(byColumn, (col) => FIELD_BY_COLUMN.get(col) ?? col).filter((x) => !x.bounds)) {
      ctx.addIssue({ code: "custom", path: [FIELD_BY_COLUMN.get(v.column) ?? v.column], message: v.message });
    }
  });
export type TrackCostsPayload = z.infer<typeof trackCostsPayloadSchema>;

export const notifyPayloadSchema = z.strictObject({
  channel: wellFormedString().trim().min(1).max(80),
  summary: freeText().min(1).max(3000),
  model: catalogIdSchema.optional(),
  ...runContext,
});
export type NotifyPayload = z.infer<typeof notifyPayloadSchema>;

/** Turns a payload's `occurredAt` (or the event's `ts`) into UTC milliseconds. */
export function occurredAtMs(occurredAt: number | string | undefined, fallback: number): number {
  if (occurredAt === undefined) return fallback;
  return typeof occurredAt === "number" ? occurredAt : Date.parse(occurredAt);
}
