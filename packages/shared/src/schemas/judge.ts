import { z } from "zod";
import { catalogId, wellFormedString } from "./strings.ts";

/**
 * Inputs of the judge sampling procedures (`judge.sampling.set` / `remove`). Browser-safe: Settings imports
 * these. A rate overrides TALLY_JUDGE_SAMPLE_RATE for one customer (first) or one model; the key is stored as
 * payloads store it (trimmed; a model also lower-cased by `catalogId`), so `GPT-4o ` and `gpt-4o` are one.
 */

export const JUDGE_SAMPLING_SCOPES = ["model", "customer"] as const;
export type JudgeSamplingScope = (typeof JUDGE_SAMPLING_SCOPES)[number];

const scope = z.enum(JUDGE_SAMPLING_SCOPES, { message: "scope must be model or customer" });
const key = wellFormedString()
  .trim()
  .min(1, { message: "key is required" })
  .max(200, { message: "key must be at most 200 characters" });
/** The share of runs the judge scores: 0 never, 1 always. */
export const sampleRateSchema = z
  .number({ message: "rate must be a number from 0 to 1" })
  .min(0, { message: "rate must be from 0 to 1" })
  .max(1, { message: "rate must be from 0 to 1" });

const storedKey = <T extends { scope: JudgeSamplingScope; key: string }>(v: T): T => (v.scope === "model" ? { ...v, key: catalogId(v.key) } : v);

export const judgeSamplingSetInput = z.strictObject({ scope, key, rate: sampleRateSchema }).transform(storedKey);
export const judgeSamplingRemoveInput = z.strictObject({ scope, key }).transform(storedKey);

export type JudgeSamplingSetInput = z.infer<typeof judgeSamplingSetInput>;
export type JudgeSamplingRemoveInput = z.infer<typeof judgeSamplingRemoveInput>;
