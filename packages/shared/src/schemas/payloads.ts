import { z } from "zod";

/**
 * Payloads of the three deferred functions. Each schema is handed to `createDefer`, so a parent's
 * `defer(id, { function, data })` is type-checked against it and the SDK rejects a bad payload with a
 * NonRetriableError that names the field. Field names from the seed example (`response`, `model`,
 * `ticketId`, `promptTokens`, …) are kept as written; richer fields are optional.
 */

const id = z.string().trim().min(1).max(200);
const tags = z.record(z.string().max(100), z.string().max(500)).refine((t) => Object.keys(t).length <= 32, {
  message: "at most 32 tags",
});
const tokenCount = z.number().int().nonnegative().max(1e12);

/** Fields every payload may carry to describe the parent run. */
const runContext = {
  customerId: id.optional(),
  ticketId: id.optional(),
  tags: tags.optional(),
  /** When the parent's work happened (ms or ISO). Defaults to the deferred event's timestamp. */
  occurredAt: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]).optional(),
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
  channel: z.string().trim().min(1).max(80),
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
