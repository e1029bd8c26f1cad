import { type Db, readAll } from "@tally/shared/db";
import { batchRollups, forgetRun, recordEvaluation, recordUsage, rubricVersion, type RunRef } from "@tally/inngest-functions";
import { DEFAULT_CRITERIA, mulberry32 } from "@tally/shared";
import type { Actor } from "../auth/principal.ts";
import { upsertCustomer } from "../queries/customers.ts";
import { removePrice, upsertPrice } from "../queries/prices.ts";
import { startReprice } from "../reprice/jobs.ts";
import { countScopeLines, storedScope } from "../reprice/lines.ts";
import { seedRunReview } from "./reviews.ts";
import {
  AGENTS, CRITERIA, CUSTOMERS, DEMO_DAYS, DEMO_PREFIX, type DemoModel, JUDGE_MODEL, MODELS, NEAR_BUDGET_CUSTOMER,
  PLANS, PRICE_OVERRIDE, VERSION_CHANGE_DAY, TRIAGE,
} from "./scenario.ts";

const DAY = 86_400_000;
const BATCH = 400;

export interface SeedOptions {
  now: number;
  /** Average runs per weekday (default 140: about 11k runs over 90 days). */
  runsPerDay?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Deterministic PRNG (mulberry32): the same demo every time, so a second seed finds every key and adds nothing. */
function prng(seed: number) {
  const next = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const pick = <T>(items: readonly T[], weight: (t: T) => number): T => {
    const total = items.reduce((s, t) => s + weight(t), 0);
    let r = next() * total;
    for (const t of items) {
      r -= weight(t);
      if (r < 0) return t;
    }
    return items[items.length - 1]!;
  };
  return { next, normal, pick };
}

interface PlannedRun {
  index: number;
  at: number;
  daysAgo: number;
}

/** Every run's time, drawn first so the total is known for the progress bar. */
function plan(now: number, runsPerDay: number, rng: ReturnType<typeof prng>): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const start = Math.floor(now / DAY) * DAY - DEMO_DAYS * DAY;
  for (let d = 0; d <= DEMO_DAYS; d++) {
    const dayStart = start + d * DAY;
    const weekday = new Date(dayStart).getUTCDay();
    const weekend = weekday === 0 || weekday === 6 ? 0.45 : 1;
    const growth = 0.7 + 0.6 * (d / DEMO_DAYS);
    const count = Math.round(runsPerDay * weekend * growth * (0.85 + 0.3 * rng.next()));
    for (let k = 0; k < count; k++) {
      // Busier in working hours (UTC 8–20).
      const hour = rng.next() < 0.75 ? 8 + rng.next() * 12 : rng.next() * 24;
      const at = Math.floor(dayStart + hour * 3_600_000);
      if (at < now) runs.push({ index: runs.length, at, daysAgo: (now - at) / DAY });
    }
  }
  return runs;
}

function judgeScore(rng: ReturnType<typeof prng>, m: DemoModel, criterion: string, afterChange: boolean): number {
  const mean = criterion === "accuracy" && afterChange ? m.quality[1] : m.quality[0];
  const tone = criterion === "tone" ? 0.2 : 0;
  return Math.min(5, Math.max(1, Math.round(mean + tone + rng.normal() * 0.7)));
}

/** The demo's prices and budgets are recorded in the audit log as the seed's. */
const DEMO_SEED: Actor = { kind: "system", id: "demo-seed", label: "demo seed" };

/** The settings row `clearDemo` leaves: a cleared demo is not seeded again by the next start (`seedDemo` removes it). */
const DEMO_CLEARED = "demo_cleared";
/** The settings row holding the instant the demo history ends at, fixed by its first seed (`clearDemo` removes it). */
const DEMO_ENDS_AT = "demo_ends_at";

/**
 * The instant the demo history ends at: the stored one, else `now` (stored). Every run's id, time, model and
 * customer follow from it, so a later seed (a day or a minute on) completes the same history instead of
 * drawing a shifted one whose keys collide with the stored lines.
 */
async function demoEndsAt(db: Db, now: number): Promise<number> {
  const stored = await db.selectFrom("settings").select("value").where("key", "=", DEMO_ENDS_AT).executeTakeFirst();
  if (stored) return Number(stored.value);
  if (await hasDemoData(db)) {
    throw new Error("the demo data here was seeded by an earlier version of Tally, which did not keep its date: run `npm run demo:clear`, then `npm run demo`");
  }
  // Two seeds at once (two instances' first start): the first to write the row sets the date for both.
  await db.insertInto("settings").values({ key: DEMO_ENDS_AT, value: String(now) }).onConflict((oc) => oc.column("key").doNothing()).execute();
  const row = await db.selectFrom("settings").select("value").where("key", "=", DEMO_ENDS_AT).executeTakeFirstOrThrow();
  return Number(row.value);
}

/**
 * Writes a realistic 90-day history through the same recording code the deferred functions use, with the
 * review queue and reviewers' labels of its judged runs (reviews.ts). The history ends at the first seed's
 * `now` (`demoEndsAt`) and every key is deterministic, so seeding again, whenever, adds nothing.
 */
export async function seedDemo(db: Db, opts: SeedOptions): Promise<{ runs: number; reviewItems: number; endsAt: number }> {
  await db.deleteFrom("settings").where("key", "=", DEMO_CLEARED).execute(); // asked for again: no longer cleared
  const now = await demoEndsAt(db, opts.now);
  const rng = prng(20261122);
  await upsertPrice(
    db,
    DEMO_SEED,
    { ...PRICE_OVERRIDE, effectiveFrom: Math.floor(now / DAY) * DAY - PRICE_OVERRIDE.daysAgo * DAY },
    now,
  );
  const planned = plan(now, opts.runsPerDay ?? 140, rng);
  const rubric = rubricVersion(DEFAULT_CRITERIA);
  // Reviews and triage calls draw from streams of their own: the judged history is the same with or without them.
  const reviewRng = prng(20261203);
  const triageRng = prng(20261206);
  const today = Math.floor(now / DAY) * DAY;
  let reviewItems = 0;
  for (let i = 0; i < planned.length; i += BATCH) {
    await db.transaction().execute((trx) => batchRollups(trx, async () => {
      for (const p of planned.slice(i, i + BATCH)) {
        const afterChange = p.daysAgo <= VERSION_CHANGE_DAY;
        const m = rng.pick(MODELS, (x) => x.share[afterChange ? 1 : 0]);
        const customer = rng.pick(CUSTOMERS, (c) => PLANS[c.plan].weight);
        const agent = rng.pick(AGENTS, (a) => a.share);
        const runId = `${DEMO_PREFIX}run-${String(p.index).padStart(6, "0")}`;
        const run: RunRef = {
          runId, functionSlug: agent.slug, model: m.model, customerId: customer.id, ticketId: `T-${10_000 + p.index}`,
          tags: { demo: "true", channel: rng.next() < 0.6 ? "email" : "chat" }, occurredAt: p.at, now: p.at + 4_000,
        };
        const prompt = Math.round(m.promptTokens * (0.5 + rng.next()));
        const completion = Math.round(m.completionTokens * (0.5 + rng.next()));
        await recordUsage(trx, run, {
          key: `${runId}:costs`, deferredRunId: `${runId}-track-ai-costs`, kind: "agent", model: m.model, provider: m.provider,
          usage: {
            input_tokens: prompt, output_tokens: completion, cache_read_tokens: Math.floor(prompt * m.cacheShare * rng.next()),
            cache_write_tokens: 0, reasoning_tokens: 0,
          },
        });
        if (agent.slug === TRIAGE.agent && triageRng.next() < TRIAGE.share) {
          const at = p.at + TRIAGE.delayMs;
          await recordUsage(trx, { ...run, occurredAt: at, now: at + 1_000 }, {
            key: `${runId}:triage`, deferredRunId: `${runId}-track-ai-costs-triage`, kind: "agent", model: TRIAGE.model, provider: TRIAGE.provider,
            usage: {
              input_tokens: Math.round(TRIAGE.promptTokens * (0.8 + 0.4 * triageRng.next())), output_tokens: TRIAGE.completionTokens,
              cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0,
            },
          });
        }
        const garbage = rng.next() < 0.01;
        const judged = garbage ? [] : CRITERIA.map((name) => ({ name, rawValue: judgeScore(rng, m, name, afterChange) }));
        await recordEvaluation(trx, run, {
          key: `${runId}:score`, deferredRunId: `${runId}-score-agent-output`, model: m.model, judgeModel: JUDGE_MODEL,
          judgeProvider: "openai", rubricVersion: rubric, judgeCalls: garbage ? 3 : 1,
          judgeUsage: {
            input_tokens: (garbage ? 3 : 1) * (650 + completion), output_tokens: (garbage ? 3 : 1) * 140,
            cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0,
          },
          outcome: garbage
            ? { ok: false, error: "judge verdict invalid after 3 calls: not valid JSON", rawOutput: "Overall the reply looks fine to me!" }
            : { ok: true, scores: judged.map((j) => ({ ...j, scaleMin: 1, scaleMax: 5, rationale: rationale(j.name, j.rawValue) })) },
        });
        if (!garbage) {
          const judge = Object.fromEntries(judged.map((j) => [j.name, j.rawValue]));
          const item = { runId, evaluationKey: `${runId}:score`, index: p.index, model: m.model, customerId: customer.id, judgeModel: JUDGE_MODEL, rubricVersion: rubric, at: p.at, judge };
          if (await seedRunReview(trx, reviewRng, item, today)) reviewItems++;
        }
      }
    }));
    opts.onProgress?.(Math.min(i + BATCH, planned.length), planned.length);
  }
  await seedCustomers(db, now);
  return { runs: planned.length, reviewItems, endsAt: now };
}

async function seedCustomers(db: Db, now: number): Promise<void> {
  const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  const mtd = await db
    .selectFrom("usage_costs")
    .select((eb) => eb.fn.sum<number>("cost_micros").as("spend"))
    .where("customer_id", "=", NEAR_BUDGET_CUSTOMER)
    .where("occurred_at", ">=", monthStart)
    .executeTakeFirst();
  for (const c of CUSTOMERS) {
    const budget = c.id === NEAR_BUDGET_CUSTOMER
      ? Math.max(10_000, Math.round(Number(mtd?.spend ?? 0) / 0.93))
      : PLANS[c.plan].budgetUsd * 1_000_000;
    await upsertCustomer(db, DEMO_SEED, { id: c.id, name: c.name, monthlyBudgetMicros: budget }, now);
  }
}

function rationale(criterion: string, score: number): string {
  const tone = score >= 4 ? "clearly meets" : score === 3 ? "partly meets" : "falls short of";
  return `The reply ${tone} the ${criterion} bar: ${score >= 4 ? "specific, correct next steps" : "vague or partly incorrect steps"}.`;
}

/** A first start, which seeds the demo (TALLY_DEMO=auto): no runs at all, and the demo never cleared. */
export async function isFirstStart(db: Db): Promise<boolean> {
  const [run, cleared] = await readAll(db, [
    () => db.selectFrom("runs").select("run_id").limit(1).executeTakeFirst(),
    () => db.selectFrom("settings").select("key").where("key", "=", DEMO_CLEARED).executeTakeFirst(),
  ]);
  return run === undefined && cleared === undefined;
}

/** True when any demo run is present (a prefix range on the primary key). */
export async function hasDemoData(db: Db): Promise<boolean> {
  return (await demoRunIds(db, 1)).length > 0;
}

/** Up to `limit` demo run ids: a range on the primary key ("demo-" up to "demo."). */
function demoRunIds(db: Db, limit: number): Promise<{ run_id: string }[]> {
  return db
    .selectFrom("runs")
    .select("run_id")
    .where("run_id", ">=", DEMO_PREFIX)
    .where("run_id", "<", `${DEMO_PREFIX.slice(0, -1)}.`)
    .limit(limit)
    .execute();
}

/** Removes every demo run (its rollup counts, review items and reviews: `forgetRun`), the demo customers and the demo price override. */
export async function clearDemo(db: Db): Promise<{ runs: number; repricedLines: number }> {
  let removed = 0;
  for (;;) {
    const ids = await demoRunIds(db, BATCH);
    if (ids.length === 0) break;
    await db.transaction().execute((trx) =>
      batchRollups(trx, async () => {
        for (const { run_id } of ids) if (await forgetRun(trx, run_id)) removed++;
      }),
    );
  }
  const at = new Date().toISOString();
  await db.insertInto("settings").values({ key: DEMO_CLEARED, value: at }).onConflict((oc) => oc.column("key").doUpdateSet({ value: at })).execute();
  await db.deleteFrom("settings").where("key", "=", DEMO_ENDS_AT).execute();
  const demoIds = CUSTOMERS.map((c) => c.id);
  await db.deleteFrom("customer_budget_history").where("customer_id", "in", demoIds).execute(); // a later customer of the same id starts afresh
  await db.deleteFrom("customers").where("id", "in", demoIds).execute();
  return { runs: removed, repricedLines: await removeDemoOverride(db) };
}

/**
 * Removes the demo's price override (kept if its input or output price has been changed: then it is someone's), audited as the
 * demo seed's, and, when real usage of its model was priced by it, starts a repricing of that usage from the
 * override's start (the server's repricing runner carries it out, at once or on its next start). Answers how
 * many lines that repricing covers (0: none started).
 */
async function removeDemoOverride(db: Db): Promise<number> {
  const o = PRICE_OVERRIDE;
  const row = await db
    .selectFrom("model_prices")
    .select(["effective_from"])
    .where("model", "=", o.model)
    .where("provider", "=", o.provider)
    .where("input_micros_per_mtok", "=", o.inputMicrosPerMtok)
    .where("output_micros_per_mtok", "=", o.outputMicrosPerMtok)
    .executeTakeFirst();
  if (!row) return 0;
  const now = Date.now();
  const from = Number(row.effective_from);
  await removePrice(db, DEMO_SEED, { model: o.model, provider: o.provider, effectiveFrom: from }, now);
  const scope = { model: o.model, from };
  const lines = await countScopeLines(db, await storedScope(db, scope));
  if (lines > 0) await startReprice(db, DEMO_SEED, { ...scope, reason: "override" }, now);
  return lines;
}

