import { batchRollups, recordEvaluation, recordUsage, type RunRef } from "@tally/inngest-functions";
import type { Database, Db } from "@tally/shared/db";
import type { Transaction } from "kysely";
import { mulberry32 as prng } from "@tally/shared";

/**
 * Seeds a database through the real write path (recordUsage / recordEvaluation), so rollups and raw
 * rows agree exactly as in production. Deterministic: a fixed PRNG and times relative to `now`. One
 * transaction whose rollup deltas are written once at the end (batchRollups, as a batch of events is
 * recorded): row by row, PostgreSQL pays a round trip for each of ~250 statements a run.
 */

export const SEED_MODELS = ["gpt-4o-mini", "claude-3-5-haiku-latest", "acme-internal-llm"] as const;
export const SEED_CUSTOMERS = [
  { id: "acme", name: "Acme Corp", budgetMicros: 2_000_000 },
  { id: "globex", name: "Globex", budgetMicros: 500_000 },
  { id: "initech", name: "Initech", budgetMicros: null },
  { id: "umbrella", name: "Umbrella", budgetMicros: 10_000_000 },
] as const;
export const SEED_FUNCTIONS = ["handle-support-ticket", "summarize-thread"] as const;
export const JUDGE_MODEL = "gpt-4o-mini";

export interface SeedSummary {
  runs: number;
  now: number;
  runIds: string[];
}

export function seed(db: Db, opts: { runs?: number; now?: number; days?: number } = {}): Promise<SeedSummary> {
  return db.transaction().execute((trx) => batchRollups(trx, () => seedRuns(trx, opts)));
}

async function seedRuns(db: Transaction<Database>, opts: { runs?: number; now?: number; days?: number }): Promise<SeedSummary> {
  const n = opts.runs ?? 360;
  const now = opts.now ?? Date.now();
  const days = opts.days ?? 12;
  const rand = prng(42);
  const runIds: string[] = [];

  for (const c of SEED_CUSTOMERS) {
    await db
      .insertInto("customers")
      .values({ id: c.id, name: c.name, monthly_budget_micros: c.budgetMicros, created_at: now, updated_at: now })
      .execute();
  }

  for (let i = 0; i < n; i++) {
    const model = SEED_MODELS[i % 7 === 6 ? 2 : i % 2] ?? "gpt-4o-mini";
    const customer = SEED_CUSTOMERS[Math.floor(rand() * SEED_CUSTOMERS.length)]?.id ?? "acme";
    const fn = SEED_FUNCTIONS[rand() < 0.75 ? 0 : 1] ?? "handle-support-ticket";
    const occurredAt = now - Math.floor(rand() * days * 86_400_000) - 60_000;
    const runId = `01SEED${String(i).padStart(6, "0")}`;
    runIds.push(runId);
    const ref: RunRef = { runId, functionSlug: fn, model, customerId: customer, occurredAt, now: occurredAt + 5_000 };
    const promptTokens = 400 + Math.floor(rand() * 1600);
    const completionTokens = 100 + Math.floor(rand() * 600);
    await recordUsage(db, ref, {
      key: `${runId}-costs`,
      deferredRunId: `${runId}-costs`,
      kind: "agent",
      model,
      usage: {
        input_tokens: promptTokens,
        output_tokens: completionTokens,
        cache_read_tokens: Math.floor(promptTokens * 0.25),
        cache_write_tokens: 0,
        reasoning_tokens: 0,
      },
    });
    if (i % 9 === 4) continue; // some runs are never scored
    const base = model === "claude-3-5-haiku-latest" ? 0.8 : model === "gpt-4o-mini" ? 0.68 : 0.55;
    const clamp = (x: number) => Math.max(1, Math.min(5, Math.round(x)));
    const s = (bias: number) => clamp(1 + 4 * (base + bias + (rand() - 0.5) * 0.5));
    await recordEvaluation(db, ref, {
      key: `${runId}-score`,
      deferredRunId: `${runId}-score`,
      model,
      judgeModel: JUDGE_MODEL,
      rubricVersion: "rubric-v1",
      judgeCalls: 1,
      judgeUsage: { input_tokens: 900, output_tokens: 120, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
      outcome: {
        ok: true,
        scores: [
          { name: "helpfulness", rawValue: s(0.05), scaleMin: 1, scaleMax: 5, rationale: `Run ${i}: resolves the ticket's main question.` },
          { name: "accuracy", rawValue: s(0), scaleMin: 1, scaleMax: 5, rationale: `Run ${i}: claims checked against the policy.` },
          { name: "tone", rawValue: s(0.1), scaleMin: 1, scaleMax: 5, rationale: `Run ${i}: courteous and clear.` },
        ],
      },
    });
  }
  return { runs: n, now, runIds };
}
