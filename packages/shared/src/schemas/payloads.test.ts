import { describe, expect, it } from "vitest";
import { notifyPayloadSchema, plainTags, scorePayloadSchema, trackCostsPayloadSchema } from "./payloads.ts";
import { wellFormedString } from "./strings.ts";

describe("payload schemas", () => {
  it("accept the seed example's fields as written", () => {
    expect(scorePayloadSchema.safeParse({ response: "Hi", model: "gpt-4o", ticketId: "T-1" }).success).toBe(true);
    expect(trackCostsPayloadSchema.safeParse({ model: "gpt-4o", promptTokens: 10, completionTokens: 2, customerId: "c" }).success).toBe(true);
    expect(notifyPayloadSchema.safeParse({ channel: "#ai", summary: "done", ticketId: "T-1", model: "gpt-4o" }).success).toBe(true);
  });

  it("refuse U+0000 in free text, naming the field (PostgreSQL's text cannot hold it); other control characters stay", () => {
    const paths = (r: { error?: { issues: { path: PropertyKey[] }[] } }) => r.error?.issues.map((i) => i.path.join("."));
    expect(paths(scorePayloadSchema.safeParse({ response: "a\u0000b", input: "q\u0000", model: "m", criteria: [{ name: "c", description: "d\u0000" }] }))).toEqual([
      "response",
      "input",
      "criteria.0.description",
    ]);
    expect(paths(notifyPayloadSchema.safeParse({ channel: "#ai", summary: "done\u0000", model: "m" }))).toEqual(["summary"]);
    expect(scorePayloadSchema.safeParse({ response: "tab\there\u0001", model: "m" }).success).toBe(true);
  });

  it("reject parts larger than their whole, naming the field", () => {
    const r = trackCostsPayloadSchema.safeParse({ model: "m", customerId: "c", promptTokens: 10, completionTokens: 1, cachedTokens: 11, reasoningTokens: 2 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["cachedTokens", "reasoningTokens"]);
  });

  it("reject both counts and a raw usage object", () => {
    const r = trackCostsPayloadSchema.safeParse({ model: "m", customerId: "c", promptTokens: 1, usage: { prompt_tokens: 1 } });
    expect(r.error?.issues[0]?.path).toEqual(["usage"]);
  });

  it("carry every priced unit as a count: bounded, and each part within its whole", () => {
    const base = { model: "m", customerId: "c", promptTokens: 100, completionTokens: 50 };
    const ok = (extra: Record<string, unknown>) => trackCostsPayloadSchema.safeParse({ ...base, ...extra });
    const r = ok({ audioInputTokens: 60, cachedTokens: 30, cachedAudioTokens: 20, cacheWriteTokens: 10, cacheWrite1hTokens: 10, audioOutputTokens: 20, reasoningTokens: 20, citationTokens: 30, webSearchRequests: 3, fileSearchRequests: 2, documentPages: 4, annotatedDocumentPages: 4, textMessages: 1, audioSeconds: 1.5, audioInputSeconds: 1.5, imageInputTokens: 10, videoInputTokens: 10, imageOutputTokens: 10, videoOutputTokens: 10, cachedImageTokens: 5 });
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    const fields = (extra: Record<string, unknown>) => ok(extra).error?.issues.map((i) => i.path.join("."));
    expect(fields({ audioInputTokens: 101 })).toEqual(["audioInputTokens"]);
    expect(fields({ audioOutputTokens: 51 })).toEqual(["audioOutputTokens"]);
    expect(fields({ cacheWriteTokens: 5, cacheWrite1hTokens: 6 })).toEqual(["cacheWrite1hTokens"]);
    expect(fields({ cachedTokens: 10, cachedAudioTokens: 11, audioInputTokens: 20 })).toEqual(["cachedAudioTokens"]);
    expect(fields({ audioInputTokens: 60, imageInputTokens: 41 })).toEqual(["audioInputTokens"]);
    expect(fields({ webSearchRequests: 1e9 + 1 })).toEqual(["webSearchRequests"]);
    expect(fields({ webSearchRequests: 0.5 })).toEqual(["webSearchRequests"]);
    expect(fields({ audioInputTokens: 1, usage: { prompt_tokens: 1 } })).toContain("usage");
    expect(ok({ audioInputTokens: 101 }).error?.issues[0]?.message).toMatch(/audioInputTokens \(101\) is part of promptTokens/);
  });

  it("trim and lower-case model ids as genai-prices matches them", () => {
    expect(trackCostsPayloadSchema.parse({ model: "  Mistral-Large-Latest ", customerId: "c", promptTokens: 1 }).model).toBe("mistral-large-latest");
    expect(scorePayloadSchema.parse({ response: "x", model: " O3" }).model).toBe("o3");
  });

  it("trim and lower-case provider ids the same way", () => {
    expect(trackCostsPayloadSchema.parse({ model: "m", provider: " ACME ", customerId: "c", promptTokens: 1 }).provider).toBe("acme");
  });

  it("reject criterion names that are not lower_snake_case", () => {
    const r = scorePayloadSchema.safeParse({ response: "x", model: "m", criteria: [{ name: "Be Nice", description: "d" }] });
    expect(r.error?.issues[0]?.path).toEqual(["criteria", 0, "name"]);
  });
});

describe("string and time rules", () => {
  const costs = { model: "m", customerId: "c", promptTokens: 1, completionTokens: 1 };

  it("refuse lone surrogates but keep well-formed astral characters", () => {
    expect(wellFormedString().safeParse("x\uD800y").success).toBe(false);
    expect(wellFormedString().safeParse("x\uDC00").success).toBe(false);
    expect(wellFormedString().safeParse("ok 😀 ü").success).toBe(true);
    expect(trackCostsPayloadSchema.safeParse({ ...costs, customerId: "😀-acme" }).success).toBe(true);
  });

  it("refuse prototype tag keys that zod's record would silently drop", () => {
    const r = trackCostsPayloadSchema.safeParse({ ...costs, tags: JSON.parse('{"__proto__":{"x":"y"}}') });
    expect(r.error?.issues[0]?.path).toEqual(["tags", "__proto__"]);
  });

  it("accept occurredAt from 2000-01-01 to one day ahead of now, in ms or ISO", () => {
    const ok = (occurredAt: unknown) => trackCostsPayloadSchema.safeParse({ ...costs, occurredAt }).success;
    expect(ok(Date.UTC(2000, 0, 1))).toBe(true);
    expect(ok("2000-01-01T01:00:00+01:00")).toBe(true);
    expect(ok(Date.UTC(2000, 0, 1) - 1)).toBe(false);
    expect(ok("1999-12-31T23:00:00-01:00")).toBe(true); // 2000-01-01T00:00Z
    expect(ok(Date.now() + 86_400_000 - 60_000)).toBe(true);
    expect(ok(Date.now() + 86_400_000 + 60_000)).toBe(false);
    expect(ok(1.5e12 + 0.5)).toBe(false);
  });

  it("plainTags keeps only own string entries", () => {
    const stored = JSON.parse('{"__proto__":{"a":"b"},"ok":"yes","n":1,"prototype":"p","o":{}}');
    const tags = plainTags(stored);
    expect(Object.keys(tags)).toEqual(["ok"]);
    expect(plainTags(null)).toEqual({});
    expect(plainTags(["a"])).toEqual({});
  });
});
