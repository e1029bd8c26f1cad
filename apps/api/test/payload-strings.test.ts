import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "../src/queries/test-support.ts";
import type { RunOutcome } from "./executor.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";

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
    refused.splice(refused.indexOf("str-trim"), 1);
    const ids = refused.filter((id) => id !== "str-valid");
    expect(await tally.db.selectFrom("runs").select("run_id").where("run_id", "in", ids).execute()).toEqual([]);
    expect(await tally.db.selectFrom("usage_costs").select("id").where("run_id", "in", ids).execute()).toEqual([]);
    expect(await tally.db.selectFrom("runs").select("run_id").where("run_id", "=", "").execute()).toEqual([]);
  });
});

describe("analytics inputs and stored rows", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb();
  });
  afterAll(() => t.close());

  const from = Date.UTC(2026, 0, 1);
  const to = Date.UTC(2026, 0, 31);
  async function expectFieldError(call: Promise<unknown>, field: string) {
    const err = await call.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("BAD_REQUEST");
    const issues = ((err as TRPCError).cause as { issues?: { path: PropertyKey[]; message: string }[] } | undefined)?.issues ?? [];
    const issue = issues.find((i) => i.path.join(".").startsWith(field));
    expect(issue, `${field} in ${JSON.stringify(issues)}`).toBeDefined();
  }

  it("ill-formed strings are refused in every key field, naming it", async () => {
    await expectFieldError(t.caller.overview.summary({ from, to, models: [LONE] }), "models.0");
    await expectFieldError(t.caller.overview.summary({ from, to, customerIds: ["ok", LONE] }), "customerIds.1");
    await expectFieldError(t.caller.runs.list({ from, to, functionSlugs: [LONE] }), "functionSlugs.0");
    await expectFieldError(t.caller.runs.list({ from, to, scoreName: LONE }), "scoreName");
    await expectFieldError(t.caller.quality.trend({ from, to, scoreNames: [LONE] }), "scoreNames.0");
    await expectFieldError(t.caller.quality.compareModels({ from, to, baselineModel: LONE }), "baselineModel");
    await expectFieldError(t.caller.runs.byId({ runId: LONE }), "runId");
    await expectFieldError(t.caller.customers.upsert({ id: LONE, name: "n" }), "id");
    await expectFieldError(t.caller.customers.upsert({ id: "c", name: LONE }), "name");
    await expectFieldError(t.caller.prices.upsert({ model: LONE, inputMicrosPerMtok: 1, outputMicrosPerMtok: 1, effectiveFrom: 0 }), "model");
    await expectFieldError(t.caller.prices.upsert({ model: "m", provider: LONE, inputMicrosPerMtok: 1, outputMicrosPerMtok: 1, effectiveFrom: 0 }), "provider");
    await expectFieldError(t.caller.runs.list({ from, to, tags: { k: LONE } }), "tags.k");
  });

  it("the tags filter refuses prototype keys", async () => {
    await expectFieldError(t.caller.runs.list({ from, to, tags: protoTags() }), "tags.__proto__");
    await expectFieldError(t.caller.runs.list({ from, to, tags: { constructor: "x" } }), "tags.constructor");
  });

  it("an override price is bounded so that a cost stays an exact integer", async () => {
    await expectFieldError(t.caller.prices.upsert({ model: "m", inputMicrosPerMtok: 1e9 + 1, outputMicrosPerMtok: 1, effectiveFrom: 0 }), "inputMicrosPerMtok");
    await expect(t.caller.prices.upsert({ model: "m", inputMicrosPerMtok: 1e9, outputMicrosPerMtok: 1e9, effectiveFrom: 0 })).resolves.toBeDefined();
  });

  it("runs.byId returns only own string-valued tags of a row stored by an older version", async () => {
    await t.db
      .insertInto("runs")
      .values({
        run_id: "old-row",
        function_slug: "f",
        model: "m",
        customer_id: "c",
        ticket_id: null,
        tags: '{"__proto__":{"a":"b"},"ok":"yes","n":5,"nested":{"x":1},"constructor":"c","list":["a"]}',
        occurred_at: from,
        first_seen_at: from,
        scored_at: null,
      })
      .execute();
    const detail = await t.caller.runs.byId({ runId: "old-row" });
    const tags = detail!.run.tags;
    expect(Object.keys(tags)).toEqual(["ok"]);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(JSON.stringify(tags)).toBe('{"ok":"yes"}');
  });
});
