import type { Kysely } from "kysely";

// Frozen once landed.
// Every unit genai-prices prices beyond the five token counts of 0001, stored on the usage line it was priced
// from (0 when the payload did not report it): audio/image/video tokens in and out, cached audio/image reads,
// 1-hour cache writes, citation tokens, web and file searches, document pages, text messages, audio seconds.

const COUNTS = [
  "input_audio_tokens",
  "input_image_tokens",
  "input_video_tokens",
  "cache_audio_read_tokens",
  "cache_image_read_tokens",
  "cache_write_1h_tokens",
  "output_audio_tokens",
  "output_image_tokens",
  "output_video_tokens",
  "output_citation_tokens",
  "web_searches",
  "storage_searches",
  "input_document_pages",
  "input_annotated_document_pages",
  "input_text_messages",
];
const SECONDS = ["audio_seconds", "input_audio_seconds"];

export async function up(db: Kysely<any>): Promise<void> {
  for (const c of COUNTS) {
    await db.schema.alterTable("usage_costs").addColumn(c, "bigint", (col) => col.notNull().defaultTo(0)).execute();
  }
  for (const c of SECONDS) {
    await db.schema.alterTable("usage_costs").addColumn(c, "double precision", (col) => col.notNull().defaultTo(0)).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of [...SECONDS].reverse().concat([...COUNTS].reverse())) {
    await db.schema.alterTable("usage_costs").dropColumn(c).execute();
  }
}
