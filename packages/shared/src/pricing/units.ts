/**
 * Every unit a usage line carries, in one place: the payload's count field, the usage_costs column (named
 * after the genai-prices usage key it is priced as, except `reasoning_tokens` ↔ `output_reasoning_tokens`),
 * its bound, and the counts it is part of. Pure data and arithmetic: imported by the payload schemas
 * (browser-safe) and by the pricing code.
 *
 * The units beyond the five token counts are the ones genai-prices' catalog prices (or its extractors read
 * into a priced unit): audio/image/video tokens, cached audio/image reads, 1-hour cache writes, citation
 * tokens, web and file searches, document pages, text messages and audio durations. A per-request fee
 * (`requests_kcount`) needs no count: genai-prices charges it once per line.
 */

/** Token counts (explicit or read from a raw provider `usage` object) are integers in 0…MAX_TOKENS. */
export const MAX_TOKENS = 1e12;
/**
 * Searches, pages and messages are integers in 0…MAX_COUNT, and seconds in 0…MAX_COUNT. Dearer units with
 * 1e12 would break MAX_COST_MICROS (1e12 web searches at the catalog's $10 per 1,000 = 1e16 micro-USD); at
 * 1e9 the catalog's dearest line stays under 8e14 (checked against every catalog model in units.test.ts).
 */
export const MAX_COUNT = 1e9;

export type UnitKind = "tokens" | "count" | "seconds";

export interface UnitDef<F extends string = string> {
  /** Field of the counts payload (camelCase). */
  field: F;
  /** usage_costs column = NormalizedUsage key. */
  column: string;
  /** The genai-prices usage key it is priced as. */
  priceKey: string;
  /** The ModelPrice key that prices it (`input_tokens` → `input_mtok`, `web_searches` → `web_searches_kcount`). */
  rateKey: string;
  kind: UnitKind;
  /** Columns this count is part of (each must be ≥ it). */
  partOf: readonly string[];
  /** For error messages. */
  label: string;
}

const u = <F extends string>(field: F, column: string, label: string, kind: UnitKind, partOf: string[] = [], priceKey = column): UnitDef<F> => ({
  field,
  column,
  priceKey,
  rateKey: rateKeyOf(priceKey, kind),
  kind,
  partOf,
  label,
});

/** genai-prices' naming: tokens per million, pages per thousand, other counts per thousand, seconds per hour. */
function rateKeyOf(priceKey: string, kind: UnitKind): string {
  if (kind === "tokens") return priceKey.replace(/_tokens$/, "_mtok");
  if (kind === "seconds") return priceKey.replace(/_seconds$/, "_hours");
  return priceKey.endsWith("_pages") ? priceKey.replace(/_pages$/, "_kpages") : `${priceKey}_kcount`;
}

/** The five counts every line has had since 0001 (NOT NULL columns). */
export const BASE_UNITS = [
  u("promptTokens", "input_tokens", "input tokens", "tokens"),
  u("completionTokens", "output_tokens", "output tokens", "tokens"),
  u("cachedTokens", "cache_read_tokens", "cache reads", "tokens", ["input_tokens"]),
  u("cacheWriteTokens", "cache_write_tokens", "cache writes", "tokens", ["input_tokens"]),
  u("reasoningTokens", "reasoning_tokens", "reasoning tokens", "tokens", ["output_tokens"], "output_reasoning_tokens"),
] as const;

/** Added by migration 0007 (NOT NULL DEFAULT 0). */
export const EXTRA_UNITS = [
  u("audioInputTokens", "input_audio_tokens", "audio input tokens", "tokens", ["input_tokens"]),
  u("imageInputTokens", "input_image_tokens", "image input tokens", "tokens", ["input_tokens"]),
  u("videoInputTokens", "input_video_tokens", "video input tokens", "tokens", ["input_tokens"]),
  u("cachedAudioTokens", "cache_audio_read_tokens", "cached audio tokens", "tokens", ["input_tokens", "cache_read_tokens", "input_audio_tokens"]),
  u("cachedImageTokens", "cache_image_read_tokens", "cached image tokens", "tokens", ["input_tokens", "cache_read_tokens", "input_image_tokens"]),
  u("cacheWrite1hTokens", "cache_write_1h_tokens", "1-hour cache writes", "tokens", ["input_tokens", "cache_write_tokens"]),
  u("audioOutputTokens", "output_audio_tokens", "audio output tokens", "tokens", ["output_tokens"]),
  u("imageOutputTokens", "output_image_tokens", "image output tokens", "tokens", ["output_tokens"]),
  u("videoOutputTokens", "output_video_tokens", "video output tokens", "tokens", ["output_tokens"]),
  u("citationTokens", "output_citation_tokens", "citation tokens", "tokens", ["output_tokens"]),
  u("webSearchRequests", "web_searches", "web searches", "count"),
  u("fileSearchRequests", "storage_searches", "file searches", "count"),
  u("documentPages", "input_document_pages", "document pages", "count"),
  u("annotatedDocumentPages", "input_annotated_document_pages", "annotated document pages", "count", ["input_document_pages"]),
  u("textMessages", "input_text_messages", "text messages", "count"),
  u("audioSeconds", "audio_seconds", "audio seconds", "seconds"),
  u("audioInputSeconds", "input_audio_seconds", "audio input seconds", "seconds", ["audio_seconds"]),
] as const;

export const ALL_UNITS: readonly UnitDef[] = [...BASE_UNITS, ...EXTRA_UNITS];
export type UnitField = (typeof BASE_UNITS)[number]["field"] | (typeof EXTRA_UNITS)[number]["field"];
const LABEL = new Map(ALL_UNITS.map((unit) => [unit.column, `${unit.column} (${unit.label})`]));

/** Counts by column; a missing column is 0. */
export type UnitCounts = Readonly<Record<string, number | undefined>>;

const BOUNDS: Record<UnitKind, string> = {
  tokens: "must be an integer between 0 and 1e12",
  count: "must be an integer between 0 and 1e9",
  seconds: "must be a number of seconds between 0 and 1e9",
};

export function inBounds(kind: UnitKind, n: unknown): boolean {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return false;
  if (kind === "seconds") return n <= MAX_COUNT;
  return Number.isInteger(n) && n <= (kind === "tokens" ? MAX_TOKENS : MAX_COUNT);
}

export function boundsMessage(kind: UnitKind): string {
  return BOUNDS[kind];
}

export interface UnitViolation {
  /** The unit at fault (its column). */
  column: string;
  message: string;
  /** A bound broken (reported alone: part-of rules are checked on counts within bounds only). */
  bounds?: true;
}

/**
 * Bounds and part ≤ whole, as genai-prices computes its price leaves (a negative leaf is an error there):
 * each unit ≤ every count it is part of; cache reads + writes ≤ input; input modalities (audio + image +
 * video) ≤ input, and with cache reads the uncached text left over is ≥ 0; output modalities ≤ output.
 */
export function unitViolations(c: UnitCounts, name: (column: string) => string = (col) => LABEL.get(col) ?? col): UnitViolation[] {
  const out: UnitViolation[] = [];
  const v = (col: string) => c[col] ?? 0;
  for (const unit of ALL_UNITS) {
    const n = c[unit.column];
    if (n !== undefined && !inBounds(unit.kind, n)) out.push({ column: unit.column, message: `${name(unit.column)}: ${n} ${BOUNDS[unit.kind]}`, bounds: true });
  }
  if (out.length) return out;
  for (const unit of ALL_UNITS) {
    for (const whole of unit.partOf) {
      if (v(unit.column) > v(whole)) {
        out.push({ column: unit.column, message: `${name(unit.column)} (${v(unit.column)}) is part of ${name(whole)} and cannot exceed its ${v(whole)}` });
      }
    }
  }
  const sums: [string, string[], number][] = [
    ["input_tokens", ["cache_read_tokens", "cache_write_tokens"], 0],
    ["input_tokens", ["input_audio_tokens", "input_image_tokens", "input_video_tokens"], 0],
    // Cached audio/image tokens are counted both as cache reads and as audio/image input.
    ["input_tokens", ["input_audio_tokens", "input_image_tokens", "input_video_tokens", "cache_read_tokens", "cache_write_tokens"], v("cache_audio_read_tokens") + v("cache_image_read_tokens")],
    ["cache_read_tokens", ["cache_audio_read_tokens", "cache_image_read_tokens"], 0],
    ["output_tokens", ["output_audio_tokens", "output_image_tokens", "output_video_tokens"], 0],
    ["output_tokens", ["reasoning_tokens", "output_citation_tokens"], 0],
  ];
  for (const [whole, parts, overlap] of sums) {
    const total = parts.reduce((s, p) => s + v(p), 0) - overlap;
    if (out.length === 0 && total > v(whole)) {
      out.push({
        column: parts[0]!,
        message: `${parts.map(name).join(" + ")}${overlap ? " (less cached audio/image, counted twice)" : ""} (${total}) are part of ${name(whole)} and cannot exceed its ${v(whole)}`,
      });
    }
  }
  return out;
}
