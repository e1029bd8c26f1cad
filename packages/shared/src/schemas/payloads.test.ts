import { describe, expect, it } from "vitest";
import { notifyPayloadSchema, plainTags, scorePayloadSchema, trackCostsPayloadSchema } from "./payloads.ts";
import { wellFormedString } from "./strings.ts";

describe("payload schemas", () => {
  it("accept the seed example's fields as written", () => {
    expect(scorePayloadSchema.safeParse({ response: "Hi", model: "gpt-4o", ticketId: "T-1" }).success).toBe(true);
    expect(trackCostsPayloadSchema.safeParse({ model: "gpt-4o", promptTokens: 10, completionTokens: 2, customerId: "c" }).success).toBe(true);
    expect(notifyPayloadSchema.safeParse({ channel: "#ai", summary: "done", ticketId: "T-1", model: "gpt-4o" }).success).toBe(true);
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
