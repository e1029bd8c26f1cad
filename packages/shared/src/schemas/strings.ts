import { z } from "zod";

/**
 * String rules shared by every boundary (deferred payloads and analytics inputs). Browser-safe.
 *
 * A lone UTF-16 surrogate cannot be stored: SQLite's UTF-8 replaces it, so the stored id would differ
 * from the one sent and a filter on the original would never match. Such strings are refused.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** A string without lone surrogates (what `String.prototype.isWellFormed` checks). */
export function wellFormedString() {
  return z.string().refine((s) => !LONE_SURROGATE.test(s), {
    message: "contains a lone UTF-16 surrogate (an ill-formed string that cannot be stored as sent)",
  });
}

/** Keys that would reach an object's prototype or constructor when copied into a plain object. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export const MAX_TAGS = 32;
export const MAX_TAG_KEY = 100;
export const MAX_TAG_VALUE = 500;

const tagRecord = z
  .record(wellFormedString().min(1).max(MAX_TAG_KEY), wellFormedString().max(MAX_TAG_VALUE))
  .refine((t) => Object.keys(t).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags` });

/**
 * Tags: at most 32 string → string pairs (keys 1–100 characters, values up to 500). `__proto__`,
 * `constructor` and `prototype` are refused as keys. The check reads the raw object, because zod's record
 * silently drops a `__proto__` key, while the Inngest SDK hands the handler the raw payload, not zod's copy.
 */
export const tagsSchema = z.preprocess((input: Record<string, string>, ctx) => {
  if (typeof input === "object" && input !== null) {
    for (const key of Object.keys(input)) {
      if (PROTOTYPE_KEYS.has(key)) {
        ctx.addIssue({ code: "custom", path: [key], message: `"${key}" is not allowed as a tag key`, input });
      }
    }
  }
  return input;
}, tagRecord);

/**
 * The tags of a stored row as a fresh object holding only its own string-valued entries (prototype keys
 * dropped): rows written before the rules above cannot put an object where the dashboard expects text.
 */
export function plainTags(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (e): e is [string, string] => typeof e[1] === "string" && !PROTOTYPE_KEYS.has(e[0]),
    ),
  );
}
