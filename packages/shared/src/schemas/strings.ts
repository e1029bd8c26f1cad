import { z } from "zod";

/**
 * String rules shared by every boundary (deferred payloads and analytics inputs). Browser-safe.
 *
 * A lone UTF-16 surrogate cannot be stored: SQLite's UTF-8 replaces it, so the stored id would differ
 * from the one sent and a filter on the original would never match. A control character (NUL, a newline,
 * DEL, C1) makes an id that reads like another one (`"gpt-4o\u0000"` shows as `gpt-4o`) and lands raw in
 * CSV exports. An id of nothing but spaces and invisible characters (U+200B, U+FEFF, U+2060, a Hangul
 * filler, …) names nothing anyone can see or type. Such strings are refused.
 */
const LONE_SURROGATE = /\p{Cs}/u;
const CONTROL = /\p{Cc}/u;
/** What a string is blank without: white space, format characters (\p{Cf}) and other default-ignorables. */
const INVISIBLE = /[\s\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

const NUL_FREE = [(s: string) => !s.includes("\u0000"), { message: "contains U+0000 (NUL), which cannot be stored" }] as const;

/** Free text (a description, a judge's response, a message): anything but U+0000, which PostgreSQL's text cannot hold (the write would fail, and be retried, forever). */
export function freeText() {
  return z.string().refine(...NUL_FREE);
}

/** Text without lone surrogates (what `String.prototype.isWellFormed` checks). */
function wellFormedText() {
  return z.string().refine((s) => !LONE_SURROGATE.test(s), {
    message: "contains a lone UTF-16 surrogate (an ill-formed string that cannot be stored as sent)",
  });
}

/** Text that can be stored as sent: well formed, and free text. */
function storableText() {
  return wellFormedText().refine(...NUL_FREE);
}

/**
 * An id or key (model, customer, run, tag key, filter key, …): storable text without control characters,
 * and, unless empty, not blank once white space and invisible characters are removed. The empty string is
 * left to the caller (`.min(1)`; an empty customer filter selects unattributed usage). Emoji with ZWJ
 * sequences, accents and right-to-left text pass.
 */
export function wellFormedString() {
  return wellFormedText()
    // White space around an id is what `.trim()` strips (a trailing tab included), so only the rest is checked.
    .refine((s) => !CONTROL.test(s.trim()), { message: "contains a control character (U+0000–U+001F, U+007F–U+009F)" })
    .refine((s) => s === "" || s.replace(INVISIBLE, "") !== "", {
      message: "is blank: only white space or invisible characters (such as U+200B)",
    });
}

/**
 * A model or provider id as genai-prices matches it: trimmed and lower-cased (`calcPrice` does so itself;
 * `findProvider`'s regexes see the id as given, so `O3` found no provider on the raw path). One form is stored
 * on every path, so an override for `acme` prices a payload's `ACME`.
 */
export function catalogId(id: string): string {
  return id.trim().toLowerCase();
}

/** Keys that would reach an object's prototype or constructor when copied into a plain object. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export const MAX_TAGS = 32;
export const MAX_TAG_KEY = 100;
export const MAX_TAG_VALUE = 500;

const tagRecord = z
  .record(wellFormedString().min(1).max(MAX_TAG_KEY), storableText().max(MAX_TAG_VALUE))
  .refine((t) => Object.keys(t).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags` });

/**
 * Tags: at most 32 string → string pairs (keys 1–100 characters with the id rules above, values up to 500
 * characters of any storable text). `__proto__`,
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
