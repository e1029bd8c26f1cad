import { describe, expect, it } from "vitest";
import { summaryInput } from "./analytics.ts";
import { trackCostsPayloadSchema } from "./payloads.ts";
import { tagsSchema, wellFormedString } from "./strings.ts";

const ok = (s: string) => wellFormedString().safeParse(s).success;
const costs = { model: "m", customerId: "c", promptTokens: 1, completionTokens: 1 };
const costsOk = (change: Record<string, unknown>) => trackCostsPayloadSchema.safeParse({ ...costs, ...change });

describe("id strings", () => {
  it("refuse control characters inside an id, naming the field", () => {
    for (const s of ["gpt-4o\u0000", "a\u0000b", "a\nb", "a\u007fb", "a\u0085b", "\u001b[31mred"]) expect(ok(s), JSON.stringify(s)).toBe(false);
    const r = costsOk({ model: "gpt-4o\u0000" });
    expect(r.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["model", expect.stringContaining("control character")]]);
  });

  it("refuse ids blank once white space and invisible characters are removed", () => {
    // U+200B zero-width space, U+FEFF BOM, U+2060 word joiner, U+00AD soft hyphen, U+3164 Hangul filler,
    // U+180E Mongolian vowel separator, U+200D ZWJ alone, U+202E right-to-left override alone.
    for (const s of [" ", "\u200b", "\ufeff", " \u2060 ", "\u00ad", "\u3164", "\u180e", "\u200d", "\u202e", "\u3000"]) {
      expect(ok(s), JSON.stringify(s)).toBe(false);
    }
    expect(costsOk({ customerId: "\u200b" }).error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["customerId", expect.stringContaining("is blank")],
    ]);
  });

  it("keep legitimate ids: emoji ZWJ sequences, flags, accents, right-to-left text, CJK", () => {
    for (const s of ["👩‍💻", "👨‍👩‍👧‍👦 team", "🇩🇪", "Zoë Ångström", "e\u0301", "عميل-٤٢", "לקוח", "顧客-1", "gpt-4o", "a b"]) {
      expect(ok(s), s).toBe(true);
    }
    expect(costsOk({ customerId: " acme\t", model: "👩‍💻-model" }).data).toMatchObject({ customerId: "acme", model: "👩‍💻-model" });
  });

  it("leave the empty string to the caller: an empty customer filter selects unattributed usage", () => {
    expect(ok("")).toBe(true);
    const window = { from: 0, to: 1000 };
    expect(summaryInput.safeParse({ ...window, customerIds: [""] }).success).toBe(true);
    expect(summaryInput.safeParse({ ...window, models: ["gpt-4o\u0000"] }).error?.issues[0]?.path).toEqual(["models", 0]);
  });
});

describe("tags", () => {
  it("refuse a blank tag key and a control character in a key", () => {
    for (const key of [" ", "\u200b", "k\u0000"]) expect(tagsSchema.safeParse({ [key]: "v" }).success, JSON.stringify(key)).toBe(false);
  });

  it("keep any storable text as a tag value, blank and multi-line included", () => {
    expect(tagsSchema.safeParse({ note: "line 1\nline 2", empty: "", space: " " }).success).toBe(true);
    expect(tagsSchema.safeParse({ k: "x\uD800" }).success).toBe(false);
    // PostgreSQL's text cannot hold U+0000: the value is refused, naming the tag, on either engine.
    expect(tagsSchema.safeParse({ k: "a\u0000b" }).error?.issues.map((i) => [i.path, i.message])).toEqual([[["k"], "contains U+0000 (NUL), which cannot be stored"]]);
  });
});
