// Test-only helpers (imported by *.test.ts beside this file; not used by production code).
import { batchRollups, recordEvaluation, recordUsage, type RunRef } from "@tally/inngest-functions";
import { sql } from "kysely";
import { type Db, LOCAL_TABLES, tableColumns } from "@tally/shared/db";
import { connectTestDatabase } from "@tally/shared/db/testing";
import type { Principal } from "../auth/principal.ts";
import { createCaller } from "../trpc/root.ts";
import { mulberry32 as rng } from "@tally/shared";

export const RUN_URL = "https://inngest.test/run/{runId}";
export const NOW = Date.UTC(2026, 5, 1);
/** The caller of direct procedure calls in tests: an admin (role checks have their own test over HTTP). */
export const TEST_ADMIN: Principal = { kind: "user", id: "test-admin", label: "admin@test.local", role: "admin" };

export interface TestDb {
  db: Db;
  caller: ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

/** A real database of the test's engine (a SQLite file or a PostgreSQL database), migrated, with a tRPC caller on it. */
export async function openTestDb(): Promise<TestDb> {
  const db = await connectTestDatabase();
  const caller = createCaller({ db, runUrlTemplate: RUN_URL, now: () => NOW, principal: TEST_ADMIN });
  return {
    db,
    caller,
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Prices known to the test: micro-USD per token = input 1, output 2 for agent models, 1/1 for the judge.
 * `zz-unpriced` has no price anywhere, so its lines are unpriced.
 */
export const MODELS = ["acme-large", "acme-small"] as const;
export const JUDGE = "acme-judge";
export const UNPRICED = "zz-unpriced-model";
export const PRICE = {
  "acme-large": { in: 1, out: 2 },
  "acme-small": { in: 1, out: 2 },
  "acme-judge": { in: 1, out: 1 },
} as const;

export async function seedPrices(t: TestDb): Promise<void> {
  for (const [model, p] of Object.entries(PRICE)) {
    await t.caller.prices.upsert({
      model,
      inputMicrosPerMtok: p.in * 1_000_000,
      outputMicrosPerMtok: p.out * 1_000_000,
      effectiveFrom: 0,
    });
  }
}

export interface RunSpec {
  runId: string;
  model: string;
  customerId?: string | undefined;
  functionSlug?: string;
  tags?: Record<string, string>;
  occurredAt: number;
  agent?: { in: number; out: number };
  judge?: { in: number; out: number };
  /** Score name → normalised value (written as raw on a 0–10 scale). */
  scores?: Record<string, number>;
}

/** Writes one run through the real recording code: the agent usage line, then one evaluation. */
export async function seedRun(db: Db, r: RunSpec): Promise<void> {
  const ref: RunRef = {
    runId: r.runId,
    functionSlug: r.functionSlug ?? "support-agent",
    model: r.model,
    customerId: r.customerId,
    tags: r.tags,
    occurredAt: r.occurredAt,
    now: r.occurredAt + 1000,
  };
  if (r.agent) {
    await recordUsage(db, ref, {
      key: `${r.runId}-cost`,
      deferredRunId: `${r.runId}-cost`,
      kind: "agent",
      model: r.model,
      usage: usage(r.agent),
    });
  }
  if (r.scores || r.judge) {
    const scores = Object.entries(r.scores ?? {});
    await recordEvaluation(db, { ...ref, customerId: undefined }, {
      key: `${r.runId}-score`,
      deferredRunId: `${r.runId}-score`,
      model: r.model,
      judgeModel: JUDGE,
      rubricVersion: "v1",
      judgeCalls: r.judge ? 1 : 0,
      judgeUsage: usage(r.judge ?? { in: 0, out: 0 }),
      outcome: {
        ok: true,
        scores: scores.map(([name, v]) => ({ name, rawValue: v * 10, scaleMin: 0, scaleMax: 10, rationale: `${name} rationale` })),
      },
    });
  }
}

/**
 * Writes runs as seedRun does, in one transaction whose rollup deltas are summed and written once
 * (batchRollups; rollup-consistency.test shows it equals writing record by record): a fixture of hundreds of
 * runs in a second on either engine.
 */
export async function seedRuns(db: Db, runs: readonly RunSpec[]): Promise<void> {
  await inOneBatch(db, async (trx) => {
    for (const r of runs) await seedRun(trx, r);
  });
}

/** Runs `fn`'s writes in one transaction whose rollup deltas are summed and written once (as seedRuns). */
export async function inOneBatch(db: Db, fn: (trx: Db) => Promise<void>): Promise<void> {
  await db.transaction().execute((trx) => batchRollups(trx, () => fn(trx)));
}

function usage(u: { in: number; out: number }) {
  return { input_tokens: u.in, output_tokens: u.out, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
}

/** Independent price of a spec's lines (null = unpriced). */
export function agentCost(r: RunSpec): number | null {
  if (!r.agent) return null;
  const p = PRICE[r.model as keyof typeof PRICE];
  return p ? r.agent.in * p.in + r.agent.out * p.out : null;
}
export function judgeCost(r: RunSpec): number | null {
  return r.judge ? r.judge.in * PRICE[JUDGE].in + r.judge.out * PRICE[JUDGE].out : null;
}

/** A fixture of runs over `days` days from `start`, across models, customers and score names. */
export function fixture(start: number, days: number, count: number, seed = 1): RunSpec[] {
  const rand = rng(seed);
  const out: RunSpec[] = [];
  for (let i = 0; i < count; i++) {
    const model = rand() < 0.1 ? UNPRICED : MODELS[Math.floor(rand() * MODELS.length)]!;
    const c = Math.floor(rand() * 4);
    const scored = rand() < 0.8;
    out.push({
      runId: `run-${String(i).padStart(5, "0")}`,
      model,
      customerId: c === 3 ? undefined : `cust-${c}`,
      functionSlug: rand() < 0.5 ? "support-agent" : "triage-agent",
      tags: { env: rand() < 0.5 ? "prod" : "staging" },
      // 15-minute aligned plus a few seconds, never on an exact bucket edge.
      occurredAt: start + Math.floor(rand() * days * 96) * 900_000 + 1000 + Math.floor(rand() * 800_000),
      agent: { in: 100 + Math.floor(rand() * 900), out: 10 + Math.floor(rand() * 300) },
      judge: scored ? { in: 50 + Math.floor(rand() * 100), out: 5 + Math.floor(rand() * 20) } : undefined,
      scores: scored ? { helpfulness: Math.round(rand() * 10) / 10, accuracy: Math.round(rand() * 10) / 10 } : undefined,
    });
  }
  return out;
}

/** The local calendar date (YYYY-MM-DD) of `t` in `tz`, by Intl: the test's independent day bucketing. */
export function localDate(t: number, tz: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(t);
}

/** Every local calendar row, per table, keyed by zone and unit (not the calendar id), sums rounded to 1e-9. */
export async function localCalendarRows(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of LOCAL_TABLES) {
    const cols = (await tableColumns(db, `rollup_${table}_local`)).map((c) => c.name);
    const shown = cols.filter((c) => c !== "calendar");
    const rows = await sql
      .raw(`select c.time_zone, c.unit, ${shown.join(", ")} from rollup_${table}_local join rollup_calendars c on c.id = calendar order by ${Array.from({ length: cols.length + 1 }, (_, i) => i + 1).join(", ")}`)
      .execute(db);
    // Sums rounded to 1e-9 here, in JS, so both engines compare equal.
    out[table] = (rows.rows as Record<string, unknown>[]).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k.startsWith("sum_") && typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v])),
    );
  }
  return out;
}
