import { z } from "zod";
import { tagsSchema, wellFormedString } from "./strings.ts";

export { plainTags } from "./strings.ts";

/**
 * Payloads of the three deferred functions. Each schema is handed to `createDefer`, so a parent's
 * `defer(id, { function, data })` is type-checked against it and the SDK rejects a bad payload with a
 * NonRetriableError that names the field. Field names from the seed example (`response`, `model`,
 * `ticketId`, `promptTokens`, …) are kept as written; richer fields are optional.
 */

const id = wellFormedString().trim().min(1).max(200);
/** Token counts (explicit or read from a raw provider `usage` object) are integers in 0…MAX_TOKENS. */
export const MAX_TOKENS = 1e12;
const tokenCount = z.number().int().nonnegative().max(MAX_TOKENS);

/** The earliest `occurredAt` accepted; the latest is one day ahead of the server's clock. */
export const OCCURRED_AT_MIN_MS = Date.UTC(2000, 0, 1);
export const OCCURRED_AT_MAX_AHEAD_MS = 86_400_000;
/** Only spend a window can show: checked when the payload is processed, so "now" is the server's clock then. */
const occurredAt = z
  .union([z.number().int(), z.iso.datetime({ offset: true })])
  .refine(
    (v) => {
      const ms = occurredAtMs(v, Number.NaN);
      return ms >= OCCURRED_AT_MIN_MS && ms <= Date.now() + OCCURRED_AT_MAX_AHEAD_MS;
    },
    { message: "must be between 2000-01-01T00:00:00Z and one day ahead of the server's clock (epoch ms or ISO 8601)" },
  );

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

export const criterionSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, "criterion names are lower_snake_case, at most 40 characters"),
  description: z.string().min(1).max(500),
});
export type Criterion = z.infer<typeof criterionSchema>;

export const DEFAULT_CRITERIA: readonly Criterion[] = [
  { name: "helpfulness", description: "Does the response solve the user's problem?" },
  { name: "accuracy", description: "Is every factual claim in the response correct?" },
  { name: "tone", description: "Is the response courteous, clear and on-brand?" },
];

export const scorePayloadSchema = z.object({
  response: z.string().min(1).max(100_000),
  model: id,
  /** The user's request, shown to the judge when given. */
  input: z.string().max(100_000).optional(),
  criteria: z.array(criterionSchema).min(1).max(10).optional(),
  ...runContext,
});
export type ScorePayload = z.infer<typeof scorePayloadSchema>;

export const trackCostsPayloadSchema = z
  .object({
    model: id,
    /** genai-prices provider id (openai, anthropic, google, …). Inferred from the model when absent. */
    provider: id.optional(),
    customerId: id,
    promptTokens: tokenCount.optional(),
    completionTokens: tokenCount.optional(),
    /** Cache-read tokens, counted INSIDE promptTokens (OpenAI convention). */
    cachedTokens: tokenCount.optional(),
    /** Cache-write tokens, counted INSIDE promptTokens. */
    cacheWriteTokens: tokenCount.optional(),
    /** Reasoning tokens, counted INSIDE completionTokens. */
    reasoningTokens: tokenCount.optional(),
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
    const hasCounts = p.promptTokens !== undefined || p.completionTokens !== undefined;
    if (!hasCounts && !p.usage) {
      ctx.addIssue({
        code: "custom",
        path: ["promptTokens"],
        message: "give promptTokens/completionTokens or a raw provider `usage` object",
      });
    }
    if (hasCounts && p.usage) {
      ctx.addIssue({ code: "custom", path: ["usage"], message: "give either token counts or `usage`, not both" });
    }
    const prompt = p.promptTokens ?? 0;
    if ((p.cachedTokens ?? 0) + (p.cacheWriteTokens ?? 0) > prompt && hasCounts) {
      ctx.addIssue({
        code: "custom",
        path: ["cachedTokens"],
        message: "cachedTokens + cacheWriteTokens are part of promptTokens and cannot exceed it",
      });
    }
    if ((p.reasoningTokens ?? 0) > (p.completionTokens ?? 0) && hasCounts) {
      ctx.addIssue({
        code: "custom",
        path: ["reasoningTokens"],
        message: "reasoningTokens are part of completionTokens and cannot exceed it",
      });
    }
  });
export type TrackCostsPayload = z.infer<typeof trackCostsPayloadSchema>;

export const notifyPayloadSchema = z.object({
  channel: wellFormedString().trim().min(1).max(80),
  summary: z.string().min(1).max(3000),
  model: id.optional(),
  ...runContext,
});
export type NotifyPayload = z.infer<typeof notifyPayloadSchema>;

/** Turns a payload's `occurredAt` (or the event's `ts`) into UTC milliseconds. */
export function occurredAtMs(occurredAt: number | string | undefined, fallback: number): number {
  if (occurredAt === undefined) return fallback;
  return typeof occurredAt === "number" ? occurredAt : Date.parse(occurredAt);
}
