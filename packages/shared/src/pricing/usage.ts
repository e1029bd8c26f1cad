import { catalogId } from "../schemas/strings.ts";
import { ALL_UNITS, unitViolations } from "./units.ts";
import { readRawUsage } from "./flavour.ts";
import { UsageError } from "./usage-error.ts";

export { UsageError } from "./usage-error.ts";

/**
 * One usage line's counts in genai-prices' convention: `input_tokens` is the WHOLE prompt (cache reads and
 * writes, audio/image/video input are parts of it); `reasoning_tokens`, audio/image/video output and
 * citation tokens are parts of `output_tokens`. The optional units (units.ts EXTRA_UNITS) are 0 when absent.
 * Keys are usage_costs columns.
 */
export interface NormalizedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  input_audio_tokens?: number;
  input_image_tokens?: number;
  input_video_tokens?: number;
  cache_audio_read_tokens?: number;
  cache_image_read_tokens?: number;
  cache_write_1h_tokens?: number;
  output_audio_tokens?: number;
  output_image_tokens?: number;
  output_video_tokens?: number;
  output_citation_tokens?: number;
  web_searches?: number;
  storage_searches?: number;
  input_document_pages?: number;
  input_annotated_document_pages?: number;
  input_text_messages?: number;
  audio_seconds?: number;
  input_audio_seconds?: number;
}

export type UsageInput = { model: string; provider?: string | undefined; usage?: Record<string, unknown> | undefined } & {
  [field: string]: unknown;
};

/**
 * Reads explicit counts (the payload's fields, units.ts), or a provider's raw `usage` object through
 * genai-prices' own extractors with the flavour that fits it (flavour.ts). The result is checked by `checkUsage`.
 */
export function normalizeUsage(input: UsageInput): NormalizedUsage {
  const counts: Record<string, number> = {};
  if (!input.usage) {
    for (const unit of ALL_UNITS) {
      const n = input[unit.field];
      if (n !== undefined) counts[unit.column] = n as number;
    }
  } else {
    const { usage } = readRawUsage(input.usage, catalogId(input.model), input.provider);
    for (const unit of ALL_UNITS) {
      const n = usage[unit.priceKey];
      if (n !== undefined) counts[unit.column] = n;
    }
  }
  return checkUsage(fill(counts));
}

/** Every column present: the five base counts and each extra unit (0 when absent). */
export function fill(counts: Readonly<Record<string, number | undefined>>): NormalizedUsage {
  const out: Record<string, number> = {};
  for (const unit of ALL_UNITS) out[unit.column] = counts[unit.column] ?? 0;
  return out as unknown as NormalizedUsage;
}

/**
 * Every count in its bounds (tokens: integers in 0…1e12; searches, pages, messages: integers in 0…1e9;
 * seconds: 0…1e9) and every part ≤ its whole (units.ts), or a UsageError naming the field: one absurd count
 * would swamp every total of its rollup row. `normalizeUsage` and `priceUsage` (every stored line, the
 * judge's too) both hold to it.
 */
export function checkUsage(u: NormalizedUsage): NormalizedUsage {
  const counts = u as unknown as Record<string, number | undefined>;
  for (const key of Object.keys(counts)) {
    if (!ALL_UNITS.some((unit) => unit.column === key)) throw new UsageError(`usage: ${key} is not a known unit`);
  }
  const [first] = unitViolations(counts);
  if (first) throw new UsageError(`usage: ${first.message}`);
  return u;
}
