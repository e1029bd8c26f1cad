import { describe, expect, it } from "vitest";
import { notifyPayloadSchema, scorePayloadSchema, trackCostsPayloadSchema } from "./payloads.ts";

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
