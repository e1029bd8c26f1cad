import { calcPrice, extractUsage, findProvider, type Usage } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARENT, startTally, type Tally } from "./harness.ts";
import { SHAPES, type Shape } from "./usage-shapes.ts";
import { micros } from "./micros.ts";

// Every usage format genai-prices reads, through the real serve() handler: the stored cost equals
// genai-prices' own extractUsage (with the flavour named by hand in usage-shapes.ts) + calcPrice to the
// micro-dollar, and every unit it extracted is stored in its usage_costs column.

/** genai-prices usage key → usage_costs column, written out here independently of Tally's unit table. */
const COLUMN: Record<string, string> = {
  input_tokens: "input_tokens",
  output_tokens: "output_tokens",
  cache_read_tokens: "cache_read_tokens",
  cache_write_tokens: "cache_write_tokens",
  output_reasoning_tokens: "reasoning_tokens",
  input_audio_tokens: "input_audio_tokens",
  input_image_tokens: "input_image_tokens",
  input_video_tokens: "input_video_tokens",
  cache_audio_read_tokens: "cache_audio_read_tokens",
  cache_image_read_tokens: "cache_image_read_tokens",
  cache_write_1h_tokens: "cache_write_1h_tokens",
  output_audio_tokens: "output_audio_tokens",
  output_image_tokens: "output_image_tokens",
  output_video_tokens: "output_video_tokens",
  output_citation_tokens: "output_citation_tokens",
  web_searches: "web_searches",
  storage_searches: "storage_searches",
  input_document_pages: "input_document_pages",
  input_annotated_document_pages: "input_annotated_document_pages",
  input_text_messages: "input_text_messages",
  audio_seconds: "audio_seconds",
  input_audio_seconds: "input_audio_seconds",
};
/** Units genai-prices extracts that no catalog model prices apart (their parents carry the price). */
const NOT_PRICED_APART = new Set(["input_text_tokens", "output_text_tokens", "cache_text_read_tokens", "cache_write_5m_tokens"]);

const at = Date.UTC(2026, 5, 1, 12);
const pathGet = (o: Record<string, unknown>, path: string[]) => path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o) as Record<string, unknown>;

/** What genai-prices itself says for the body, read with the flavour the shape names. */
export function reference(s: Shape): { usage: Usage; micros: number; source: string } {
  const [providerId, flavour] = s.format.split(":") as [string, string];
  const provider = findProvider({ providerId })!;
  const { usage } = extractUsage(provider, s.body, flavour);
  const price = calcPrice(usage, s.model, { providerId, timestamp: new Date(at) });
  expect(price, `${s.format} ${s.model} has a catalog price`).not.toBeNull();
  return { usage, micros: micros(price!.total_price), source: `genai-prices:${price!.provider.id}/${price!.model.id}` };
}

describe("raw usage of every provider format is priced as genai-prices prices it", () => {
  let tally: Tally;
  let n = 0;
  const tally_: Record<string, { cases: number; exact: number }> = {};
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(async () => {
    console.log(
      `format | cases | exact\n${Object.entries(tally_).map(([f, t]) => `${f} | ${t.cases} | ${t.exact}`).join("\n")}`,
    );
    await tally.close();
  });

  async function track(input: Record<string, unknown>) {
    const runId = `shape-${++n}`;
    const out = await tally.executor.runDeferred(
      { fnSlug: "tally-track-ai-costs", input: { customerId: "acme", ...input } },
      { ...PARENT, runId: `shape-parent-${n}` },
      { runId, ts: at },
    );
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    return (await tally.db.selectFrom("usage_costs").selectAll().where("deferred_run_id", "=", runId).executeTakeFirstOrThrow()) as unknown as Record<string, unknown>;
  }

  it.each(SHAPES.map((s) => [`${s.format} ${s.model}`, s] as const))("%s", async (_, s) => {
    const ref = reference(s);
    tally_[s.format] ??= { cases: 0, exact: 0 };
    const t = tally_[s.format]!;
    t.cases++;
    const row = await track({ model: s.model, ...(s.send ? { provider: s.send } : {}), usage: pathGet(s.body, s.at) });
    expect(row.cost_micros).toBe(ref.micros);
    expect(row.price_source).toBe(ref.source);
    for (const [key, value] of Object.entries(ref.usage)) {
      if (NOT_PRICED_APART.has(key)) continue;
      expect(COLUMN[key], `${key} has a column`).toBeDefined();
      expect(row[COLUMN[key]!], key).toBe(value);
    }
    t.exact++;
  });

  it("covers every api flavour of every provider with its own usage format", () => {
    const covered = new Set(SHAPES.map((s) => s.format));
    // Each distinct extractor (root + mappings) must have a covered twin: same fields read, same way.
    const twins = new Map<string, string>();
    for (const f of covered) {
      const [p, fl] = f.split(":") as [string, string];
      const e = findProvider({ providerId: p })!.extractors!.find((x) => x.api_flavor === fl)!;
      twins.set(JSON.stringify([e.root, e.mappings]), f);
    }
    const providers = ["openai", "anthropic", "google", "aws", "x-ai", "deepseek", "cloudflare", "cohere", "perplexity", "mistral", "groq", "openrouter", "cerebras", "minimax", "cursor", "azure", "fireworks", "baseten", "modal"];
    const missing: string[] = [];
    for (const id of providers) {
      for (const e of findProvider({ providerId: id })!.extractors ?? []) {
        if (!twins.has(JSON.stringify([e.root, e.mappings]))) missing.push(`${id}:${e.api_flavor}`);
      }
    }
    // Left out on purpose: mistral ocr_annotated reads the same field as ocr (the body cannot tell them
    // apart; annotated pages are sent as counts); minimax:responses, modal:responses and baseten:chat read a
    // subset of openai:responses' / openai:chat's fields at the same paths (covered above).
    expect(missing.filter((m) => !["mistral:ocr_annotated", "minimax:responses", "modal:responses", "baseten:chat"].includes(m))).toEqual([]);
  });
});
