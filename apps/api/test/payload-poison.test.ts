import { sql } from "kysely";
import { listTables } from "@tally/shared/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunOutcome } from "./executor.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";

// Through the real serve() handler: a payload that would put an absurd, fractional or out-of-window figure
// into the money is refused at once (non-retriable, the field named) and writes nothing; what is accepted
// is stored as exact integers, in the raw line and in every rollup row.
describe("no payload may poison the money", () => {
  let tally: Tally;
  let n = 0;
  const refusedParents: string[] = [];
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  const at = Date.UTC(2026, 5, 1, 12);
  function send(fnSlug: string, input: Record<string, unknown>) {
    n++;
    const parent = { ...PARENT, runId: `poison-parent-${n}` };
    return { parent, out: tally.executor.runDeferred({ fnSlug, input }, parent, { runId: `poison-${n}`, ts: at }) };
  }
  const track = (input: Record<string, unknown>) => send("tally-track-ai-costs", { customerId: "acme", ...input });

  /** Failed on the first attempt, never retried, and the message names every given text. */
  async function expectRefused(call: { parent: { runId: string }; out: Promise<RunOutcome> }, ...texts: string[]) {
    const out = await call.out;
    refusedParents.push(call.parent.runId);
    expect(out.status).toBe("failed");
    expect(out.attempts).toBe(1);
    const message = (out.error as { message?: string } | null)?.message ?? JSON.stringify(out.error);
    for (const t of texts) expect(message).toContain(t);
  }
  async function expectStored(call: { out: Promise<RunOutcome> }) {
    const out = await call.out;
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
  }

  const BOUNDS = "must be an integer between 0 and 1e12";
  const openai = (usage: Record<string, unknown>) => track({ model: "gpt-4o", provider: "openai", usage });

  it("a raw usage count beyond 1e12 or fractional is refused, naming the raw field", async () => {
    await expectRefused(openai({ prompt_tokens: 1e300, completion_tokens: 10 }), "usage.prompt_tokens", BOUNDS);
    await expectRefused(openai({ prompt_tokens: 10.5, completion_tokens: 1 }), "usage.prompt_tokens", BOUNDS);
    await expectRefused(openai({ prompt_tokens: 10, completion_tokens: 1e13 }), "usage.completion_tokens", BOUNDS);
    await expectRefused(
      openai({ prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 0.5 } }),
      "usage.prompt_tokens_details.cached_tokens",
      BOUNDS,
    );
  });

  it("a bad count the provider's own flavour chokes on is refused, not dropped by a flavour that reads fewer fields", async () => {
    const anthropic = (usage: Record<string, unknown>) => track({ model: "claude-sonnet-4-20250514", provider: "anthropic", usage });
    // With cache_creation_input_tokens −1 the million cache reads were once stored as 0 (60 micro-USD, not 300,060).
    await expectRefused(anthropic({ input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 1e6, cache_creation_input_tokens: -1 }), "usage.cache_creation_input_tokens", BOUNDS, "(got -1)");
    await expectRefused(anthropic({ input_tokens: 5, output_tokens: 3, cache_read_input_tokens: -1 }), "usage.cache_read_input_tokens", BOUNDS);
    await expectRefused(anthropic({ input_tokens: 5, output_tokens: 3, cache_read_input_tokens: "7" }), "usage.cache_read_input_tokens", BOUNDS, '(got "7")');
    await expectRefused(track({ model: "gpt-4o", provider: "openai", usage: { input_tokens: 5, output_tokens: 3, input_tokens_details: { cached_tokens: -2 } } }), "cached_tokens", BOUNDS);
    await expectRefused(openai({ prompt_tokens: 10, completion_tokens: true }), "usage.completion_tokens", BOUNDS);
    // null is an absent count, as providers send it.
    await expectStored(anthropic({ input_tokens: 5, output_tokens: 3, cache_read_input_tokens: null, cache_creation_input_tokens: null }));
  });

  it("a count that only the normalised sum pushes past 1e12 is refused, naming the normalised field", async () => {
    // Anthropic reports cache reads apart: input_tokens = 6e11 + 6e11 after normalisation.
    const usage = { input_tokens: 6e11, output_tokens: 1, cache_read_input_tokens: 6e11 };
    await expectRefused(track({ model: "claude-sonnet-4-20250514", provider: "anthropic", usage }), "input_tokens", BOUNDS);
  });

  it("parts larger than their whole after normalisation are refused (not retried)", async () => {
    await expectRefused(openai({ prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 20 } }), "cache reads", "cannot exceed");
    await expectRefused(openai({ prompt_tokens: 10, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 9 } }), "reasoning", "cannot exceed");
  });

  it("a reported cost outside 0…1e6 USD is refused", async () => {
    await expectRefused(track({ model: "gpt-4o", promptTokens: 1, completionTokens: 1, reportedCostUsd: 2e6 }), "reportedCostUsd");
    await expectRefused(track({ model: "gpt-4o", promptTokens: 1, completionTokens: 1, reportedCostUsd: -1 }), "reportedCostUsd");
  });

  it("occurredAt outside 2000-01-01 … one day ahead is refused on every payload, naming the range", async () => {
    const range = "between 2000-01-01T00:00:00Z and one day ahead";
    const counts = { model: "gpt-4o", promptTokens: 1, completionTokens: 1 };
    for (const occurredAt of ["0001-01-01T00:00:00Z", 8.64e15, "1999-12-31T23:59:59.999Z", Date.now() + 2 * 86_400_000, -1]) {
      await expectRefused(track({ ...counts, occurredAt }), "occurredAt", range);
    }
    await expectRefused(send("tally-score-agent-output", { response: "r", model: "m", occurredAt: "+275760-09-13T00:00:00Z" }), "occurredAt");
    await expectRefused(send("tally-score-agent-output", { response: "r", model: "m", occurredAt: 1 }), "occurredAt", range);
    await expectRefused(send("tally-notify-agent-completion", { channel: "#ai", summary: "s", occurredAt: 8.64e15 }), "occurredAt", range);
  });

  it("an unknown field is refused by name on every payload, not dropped (a misspelt count would be priced as absent)", async () => {
    // webSearchRequests misspelt: 50 searches at $10 / 1000 would be dropped and the line stored as fully priced.
    await expectRefused(track({ model: "gpt-4o", promptTokens: 1000, completionTokens: 100, webSearches: 50 }), "webSearches");
    await expectRefused(track({ model: "gpt-4o", promptTokens: 52_000, completionTokens: 3_100, cacheReadTokens: 40_000 }), "cacheReadTokens");
    await expectRefused(send("tally-score-agent-output", { response: "ok", model: "gpt-4o", customerID: "acme" }), "customerID");
    await expectRefused(send("tally-notify-agent-completion", { channel: "#ops", summary: "done", costomerId: "acme" }), "costomerId");
  });

  it("occurredAt at the edges of the range is stored", async () => {
    const counts = { model: "gpt-4o", promptTokens: 1, completionTokens: 1 };
    await expectStored(track({ ...counts, occurredAt: "2000-01-01T00:00:00Z" }));
    await expectStored(track({ ...counts, occurredAt: Date.now() + 23 * 3_600_000 }));
    const rows = await tally.db.selectFrom("usage_costs").select("occurred_at").orderBy("occurred_at").execute();
    expect(rows.map((r) => r.occurred_at)).toContain(Date.UTC(2000, 0, 1));
  });

  it("legitimate provider shapes are still read (extra float fields, cache and thinking counts)", async () => {
    // Groq's usage carries timings in seconds beside the counts.
    await expectStored(track({ model: "llama-3.3-70b-versatile", provider: "groq", usage: { prompt_tokens: 100, completion_tokens: 20, queue_time: 0.0123, total_time: 0.25 } }));
    await expectStored(track({ model: "claude-sonnet-4-20250514", provider: "anthropic", usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 300, cache_creation_input_tokens: 40 } }));
    await expectStored(track({ model: "gemini-2.5-flash", provider: "google", usage: { promptTokenCount: 100, candidatesTokenCount: 20, thoughtsTokenCount: 30 } }));
    await expectStored(track({ model: "gpt-4o", promptTokens: 1, completionTokens: 1, reportedCostUsd: 0.0123 }));
  });

  it("the largest accepted line (1e12 + 1e12 tokens of the dearest catalog model) costs an exact integer", async () => {
    await expectStored(track({ model: "o1-pro", provider: "openai", promptTokens: 1e12, completionTokens: 1e12 }));
    const row = await tally.db.selectFrom("usage_costs").selectAll().where("model", "=", "o1-pro").executeTakeFirstOrThrow();
    // o1-pro: $150 per Mtok in, $600 out. 1e12 tokens = 1e6 Mtok: $1.5e8 + $6e8 = 7.5e14 micro-USD (< 2^53).
    expect(row.input_cost_micros).toBe(1.5e14);
    expect(row.output_cost_micros).toBe(6e14);
    expect(row.cost_micros).toBe(7.5e14);
  });

  it("nothing refused was written anywhere", async () => {
    const runs = await tally.db.selectFrom("runs").select("run_id").where("run_id", "in", refusedParents).execute();
    expect(runs).toEqual([]);
    for (const table of ["usage_costs", "notifications", "evaluations"] as const) {
      const rows = await tally.db.selectFrom(table).select("run_id").where("run_id", "in", refusedParents).execute();
      expect(rows, table).toEqual([]);
    }
  });

  it("every cost, token count and rollup measure read back is a safe integer", async () => {
    const costs = await tally.db.selectFrom("usage_costs").selectAll().execute();
    expect(costs.length).toBeGreaterThanOrEqual(7);
    const measures = ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "input_cost_micros", "output_cost_micros"] as const;
    for (const row of costs) {
      for (const m of measures) {
        if (row.cost_micros === null && m.endsWith("cost_micros")) continue; // unpriced is NULL, never $0
        expect(typeof row[m], `${row.id}.${m}`).toBe("number");
        expect(Number.isSafeInteger(row[m]), `${row.id}.${m} = ${row[m]}`).toBe(true);
      }
      if (row.reported_cost_micros !== null) expect(Number.isSafeInteger(row.reported_cost_micros)).toBe(true);
    }
    expect(costs.find((c) => c.reported_cost_micros !== null)?.reported_cost_micros).toBe(12_300);

    const tables = [...(await listTables(tally.db, "rollup!_usage%")), ...(await listTables(tally.db, "rollup!_runs%"))];
    expect(tables.length).toBeGreaterThanOrEqual(14);
    const keys = new Set(["model", "customer_id", "kind", "function_slug"]);
    let checked = 0;
    for (const name of tables) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(tally.db);
      for (const row of rows.rows) {
        for (const [column, value] of Object.entries(row)) {
          if (keys.has(column)) continue;
          expect(typeof value, `${name}.${column}`).toBe("number");
          expect(Number.isSafeInteger(value), `${name}.${column} = ${String(value)}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
