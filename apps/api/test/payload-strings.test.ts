import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunOutcome } from "./executor.ts";
import { AUTH, PARENT, startTally, type Tally } from "./harness.ts";

const LONE = "x\uD800y"; // a lone high surrogate: SQLite's UTF-8 would store it as U+FFFD
/** A key Object.prototype reaches: JSON.parse keeps it as an own property, as a server's body parser does. */
const protoTags = () => JSON.parse('{"__proto__":{"a":"b"},"env":"prod"}') as Record<string, string>;

// Through the real serve() handler: tags, ids and the parent link are strings the dashboard and the
// filters can use as sent, or the delivery is refused (non-retriable, field named) and writes nothing.
describe("payload strings and the parent link", () => {
  let tally: Tally;
  let n = 0;
  const refused: string[] = [];
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  async function expectRefused(out: Promise<RunOutcome>, ...texts: string[]) {
    const o = await out;
    expect(o.status).toBe("failed");
    expect(o.attempts).toBe(1);
    const message = (o.error as { message?: string } | null)?.message ?? JSON.stringify(o.error);
    for (const t of texts) expect(message).toContain(t);
  }
  function send(fnSlug: string, input: Record<string, unknown>, parentRunId = `str-parent-${n + 1}`) {
    n++; // each delivery its own deferred run id (the idempotency key)
    refused.push(parentRunId);
    return tally.executor.runDeferred({ fnSlug, input }, { ...PARENT, runId: parentRunId }, { runId: `str-${n}-${fnSlug}` });
  }
  const track = (input: Record<string, unknown>) =>
    send("tally-track-ai-costs", { model: "gpt-4o", customerId: "acme", promptTokens: 1, completionTokens: 1, ...input });

  it("prototype keys in tags are refused, naming the key", async () => {
    await expectRefused(track({ tags: protoTags() }), "tags", "__proto__", "not allowed as a tag key");
    await expectRefused(track({ tags: { constructor: "x" } }), "tags", "constructor");
    await expectRefused(track({ tags: { prototype: "x" } }), "tags", "prototype");
    await expectRefused(send("tally-score-agent-output", { response: "r", model: "m", tags: protoTags() }), "__proto__");
  });

  it("tags must be short plain strings, at most 32", async () => {
    await expectRefused(track({ tags: { a: { b: "c" } } }), "tags");
    await expectRefused(track({ tags: { ["k".repeat(101)]: "v" } }), "tags");
    await expectRefused(track({ tags: { k: "v".repeat(501) } }), "tags");
    await expectRefused(track({ tags: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) }), "at most 32 tags");
  });

  it("ill-formed strings (lone surrogates) are refused in every id field, naming it", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: LONE }, "model"],
      [{ provider: LONE }, "provider"],
      [{ customerId: LONE }, "customerId"],
      [{ ticketId: LONE }, "ticketId"],
      [{ idempotencyKey: LONE }, "idempotencyKey"],
      [{ tags: { [LONE]: "v" } }, "tags"],
      [{ tags: { k: LONE } }, '"tags","k"'],
    ];
    for (const [input, field] of cases) await expectRefused(track(input), field, "lone UTF-16 surrogate");
    await expectRefused(send("tally-notify-agent-completion", { channel: LONE, summary: "s" }), "channel", "lone UTF-16 surrogate");
    await expectRefused(send("tally-score-agent-output", { response: "r", model: LONE }), "model", "lone UTF-16 surrogate");
  });

  it("ids with control characters or nothing visible are refused, naming the field", async () => {
    // "gpt-4o\u0000" would be a second model that reads like gpt-4o, with a raw NUL in the CSV export.
    await expectRefused(track({ model: "gpt-4o\u0000" }), "model", "control character");
    await expectRefused(track({ customerId: "acme\nother" }), "customerId", "control character");
    await expectRefused(track({ customerId: "\u200b" }), "customerId", "is blank");
    await expectRefused(track({ ticketId: "\ufeff \u2060" }), "ticketId", "is blank");
    await expectRefused(track({ tags: { " ": "v" } }), "tags", "is blank");
    await expectRefused(track({ tags: { "k\u0000": "v" } }), "tags", "control character");
    await expectRefused(send("tally-notify-agent-completion", { channel: "#ai\u0007", summary: "s" }), "channel", "control character");
  });

  it("ids in any script, emoji ZWJ sequences included, are stored as sent", async () => {
    const ids = { model: "模型-🇩🇪", customerId: "👩‍💻 Zoë", ticketId: "تذكرة-٤٢" };
    const out = await send("tally-track-ai-costs", { ...ids, promptTokens: 1, completionTokens: 1, tags: { "équipe": "ligne 1\nligne 2" } }, "str-scripts");
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    const run = await tally.db.selectFrom("runs").select(["model", "customer_id", "ticket_id", "tags"]).where("run_id", "=", "str-scripts").executeTakeFirstOrThrow();
    expect(run).toEqual({ model: ids.model, customer_id: ids.customerId, ticket_id: ids.ticketId, tags: JSON.stringify({ "équipe": "ligne 1\nligne 2" }) });
  });

  it("an analytics filter with a NUL is a 400 naming the field", async () => {
    const input = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2), models: ["gpt-4o\u0000"] };
    const res = await fetch(`${tally.base}/api/trpc/overview.summary?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain("control character");
    expect(body.error.message).toContain("models");
  });

  it("an empty or blank parent run id is refused and never becomes a run", async () => {
    for (const parentRunId of ["", "   "]) {
      const out = await send("tally-track-ai-costs", { model: "gpt-4o", customerId: "acme", promptTokens: 1, completionTokens: 1 }, parentRunId);
      expect(out.status).toBe("failed");
      expect(out.attempts).toBe(1);
    }
  });

  it("valid tags are stored as sent", async () => {
    const out = await send("tally-track-ai-costs", { model: "gpt-4o", customerId: "acme", promptTokens: 1, completionTokens: 1, tags: { env: "prod", "team/ü": "a&b <c>" } }, "str-valid");
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    const row = await tally.db.selectFrom("runs").select("tags").where("run_id", "=", "str-valid").executeTakeFirstOrThrow();
    expect(JSON.parse(row.tags)).toEqual({ env: "prod", "team/ü": "a&b <c>" });
  });

  it("ids are stored as the schema cleans them (trimmed), so a filter on the id finds them", async () => {
    const out = await send("tally-track-ai-costs", { model: "  gpt-4o ", customerId: " acme\t", ticketId: " T-9 ", promptTokens: 1, completionTokens: 1 }, "str-trim");
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    const run = await tally.db.selectFrom("runs").select(["model", "customer_id", "ticket_id"]).where("run_id", "=", "str-trim").executeTakeFirstOrThrow();
    expect(run).toEqual({ model: "gpt-4o", customer_id: "acme", ticket_id: "T-9" });
    const line = await tally.db.selectFrom("usage_costs").select(["model", "customer_id"]).where("run_id", "=", "str-trim").executeTakeFirstOrThrow();
    expect(line).toEqual({ model: "gpt-4o", customer_id: "acme" });
  });

  it("nothing refused was written", async () => {
    const ids = refused.filter((id) => !["str-trim", "str-valid", "str-scripts"].includes(id));
    expect(await tally.db.selectFrom("runs").select("run_id").where("run_id", "in", ids).execute()).toEqual([]);
    expect(await tally.db.selectFrom("usage_costs").select("id").where("run_id", "in", ids).execute()).toEqual([]);
    expect(await tally.db.selectFrom("runs").select("run_id").where("run_id", "=", "").execute()).toEqual([]);
  });
});
