import { sql } from "kysely";
import { type Db, type Fact, type RollupTableSpec, rollupTables } from "@tally/shared/db";

/**
 * Test support: every rollup table the catalogue declares (and the judge's activity), as stored and as a GROUP BY over the raw rows
 * (runs, usage_costs, scores, runs.tags, the calendars and promoted tag keys) computed here in plain
 * JavaScript, with the grain widths, local days (Intl) and score bins written out here, independently of
 * the writer. Calendars and tag keys must be complete (filled) when compared.
 */
type Row = Record<string, string | number>;
interface RawFact {
  fact: Fact;
  at: number;
  dims: Record<string, string>;
  tags: Record<string, string>;
  sums: Record<string, number>;
}

/** Width and origin of each grain, ms (weeks and 4 weeks from Monday 1970-01-05). */
const GRAIN: Record<string, [number, number]> = {
  "15m": [900_000, 0],
  "1h": [3_600_000, 0],
  "6h": [21_600_000, 0],
  "1d": [86_400_000, 0],
  "1w": [604_800_000, 345_600_000],
  "4w": [2_419_200_000, 345_600_000],
};

async function rawFacts(db: Db): Promise<RawFact[]> {
  const runs = await db.selectFrom("runs").selectAll().execute();
  const byId = new Map(runs.map((r) => [r.run_id, { ...r, tags: JSON.parse(r.tags) as Record<string, string> }]));
  const out: RawFact[] = [];
  const judge = new Map<string, { cost: number; priced: number; unpriced: number }>();
  const pricedRuns = new Set<string>();
  const lines = await db.selectFrom("usage_costs").selectAll().execute();
  // Each run's first priced agent line of each model (time, then id): sorted, the first seen per run and model.
  const firstOfModel = new Set<string>();
  const seen = new Set<string>();
  const pricedAgent = lines.filter((u) => u.kind === "agent" && u.cost_micros !== null);
  pricedAgent.sort((a, b) => a.occurred_at - b.occurred_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const u of pricedAgent) {
    if (seen.has(JSON.stringify([u.run_id, u.model]))) continue;
    seen.add(JSON.stringify([u.run_id, u.model]));
    firstOfModel.add(u.id);
  }
  for (const u of lines) {
    const run = byId.get(u.run_id)!;
    const priced = u.cost_micros !== null;
    if (priced && u.kind === "agent") pricedRuns.add(u.run_id);
    out.push({
      fact: "usage",
      at: u.occurred_at,
      dims: { model: u.model, customer_id: u.customer_id, function_slug: run.function_slug, kind: u.kind },
      tags: run.tags,
      sums: {
        calls: 1, input_tokens: u.input_tokens, output_tokens: u.output_tokens, cache_read_tokens: u.cache_read_tokens,
        cache_write_tokens: u.cache_write_tokens, reasoning_tokens: u.reasoning_tokens, cost_micros: u.cost_micros ?? 0,
        priced_calls: priced ? 1 : 0, unpriced_calls: priced ? 0 : 1, unpriced_tokens: priced ? 0 : u.input_tokens + u.output_tokens,
        priced_runs: firstOfModel.has(u.id) ? 1 : 0,
      },
    });
    if (u.kind !== "judge") continue;
    // The judge fact: the line under its judge model, at its run's time, model and customer.
    out.push({
      fact: "judge",
      at: run.occurred_at,
      dims: { model: run.model, customer_id: run.customer_id, function_slug: run.function_slug, judge_model: u.model },
      tags: run.tags,
      sums: { calls: 1, cost_micros: u.cost_micros ?? 0, priced_calls: priced ? 1 : 0, unpriced_calls: priced ? 0 : 1 },
    });
    const j = judge.get(u.run_id) ?? { cost: 0, priced: 0, unpriced: 0 };
    j.cost += u.cost_micros ?? 0;
    if (priced) j.priced++;
    else j.unpriced++;
    judge.set(u.run_id, j);
  }
  for (const s of await db.selectFrom("scores").selectAll().execute()) {
    const run = byId.get(s.run_id)!;
    const dims = { model: s.model, customer_id: run.customer_id, function_slug: run.function_slug, name: s.name };
    out.push({ fact: "scores", at: s.occurred_at, dims, tags: run.tags, sums: { n: 1, sum_value: s.value, sum_sq_value: s.value * s.value } });
    const bin = Math.min(100, Math.max(0, Math.floor(Math.round(s.value * 1e6) / 10_000)));
    out.push({ fact: "score_bins", at: s.occurred_at, dims: { ...dims, bin: bin as unknown as string }, tags: run.tags, sums: { n: 1 } });
  }
  for (const r of byId.values()) {
    const j = judge.get(r.run_id) ?? { cost: 0, priced: 0, unpriced: 0 };
    out.push({
      fact: "runs",
      at: r.occurred_at,
      dims: { model: r.model, customer_id: r.customer_id, function_slug: r.function_slug },
      tags: r.tags,
      sums: {
        runs: 1, scored_runs: r.scored_at === null ? 0 : 1, unsampled_runs: r.judge_outcome === "not_sampled" ? 1 : 0,
        judge_skipped_runs: r.judge_outcome === "judge_budget" ? 1 : 0, judge_cost_micros: j.cost, judge_priced_calls: j.priced, judge_unpriced_calls: j.unpriced,
        priced_runs: pricedRuns.has(r.run_id) ? 1 : 0,
      },
    });
  }
  return out;
}

/** The local day number (days since 1970-01-01) of `t` in `tz`, by Intl. */
function localDayOf(t: number, tz: string): number {
  const [y, m, d] = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(t).split("-").map(Number);
  return Date.UTC(y!, m! - 1, d!) / 86_400_000;
}

const round = (v: string | number) => (typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1e9) / 1e9 : v);
const sorted = (rows: Row[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]))).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Per catalogue table: its rows as stored, and as the raw rows say they should be. */
export async function storedAndExpected(db: Db, only?: RollupTableSpec[]): Promise<{ table: string; stored: Row[]; expected: Row[] }[]> {
  const specs = only ?? rollupTables();
  const facts = await rawFacts(db);
  const cals = await db.selectFrom("rollup_calendars").select(["id", "time_zone", "unit", "filled_to"]).execute();
  const tagKeys = await db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to"]).execute();
  const out = [];
  for (const spec of specs) {
    const measures = spec.columns.map(([c]) => c).filter((c) => !spec.primaryKey.includes(c));
    const fact = (Object.keys({ runs: 1, usage: 1, scores: 1, score_bins: 1, judge: 1 }) as Fact[]).find((f) => spec.name.startsWith(`rollup_${f}_`) && !(f === "scores" && spec.name.startsWith("rollup_score_bins")))!;
    const grain = spec.name.endsWith("_local") ? "local" : spec.name.slice(spec.name.lastIndexOf("_") + 1);
    const groups = new Map<string, Row>();
    const add = (key: Row, sums: Record<string, number>) => {
      const id = JSON.stringify(spec.primaryKey.map((c) => key[c]));
      const row = groups.get(id) ?? { ...key, ...Object.fromEntries(measures.map((m) => [m, 0])) };
      for (const m of measures) (row[m] as number) += sums[m] ?? 0;
      groups.set(id, row);
    };
    for (const f of facts.filter((x) => x.fact === fact)) {
      const b15 = Math.floor(f.at / 900_000) * 900_000;
      const pick = (extra: Row): Row => Object.fromEntries(spec.primaryKey.map((c) => [c, c in extra ? extra[c]! : f.dims[c]!]));
      if (grain === "local") {
        for (const cal of cals) {
          const day = localDayOf(b15, cal.time_zone);
          const at = { calendar: cal.id, bucket: cal.unit === "week" ? day - (((day + 3) % 7) + 7) % 7 : day };
          if (spec.primaryKey.includes("tag_key")) {
            for (const k of tagKeys) add(pick({ ...at, tag_key: k.tag_key, tag_value: Object.hasOwn(f.tags, k.tag_key) ? f.tags[k.tag_key]! : "" }), f.sums);
          } else add(pick(at), f.sums);
        }
        continue;
      }
      const [size, origin] = GRAIN[grain]!;
      const bucket = Math.floor((b15 - origin) / size) * size + origin;
      if (spec.primaryKey.includes("tag_key")) {
        for (const k of tagKeys) add(pick({ bucket, tag_key: k.tag_key, tag_value: Object.hasOwn(f.tags, k.tag_key) ? f.tags[k.tag_key]! : "" }), f.sums);
      } else add(pick({ bucket }), f.sums);
    }
    const expected = [...groups.values()].filter((r) => (r[measures[0]!] as number) !== 0);
    const stored = (await sql.raw<Row>(`select ${spec.columns.map(([c]) => `"${c}"`).join(", ")} from "${spec.name}"`).execute(db)).rows;
    out.push({ table: spec.name, stored: sorted(stored), expected: sorted(expected) });
  }
  if (!only) out.push(await judgeActivity(db));
  return out;
}

/**
 * The judge's activity (0021) as stored and from the raw rows: each judge line at the 15-minute bucket of
 * its `created_at`, each run skipped for the budget at its first `judge_budget` evaluation's; rows whose
 * measures are all 0 (a forgotten run's) left out on both sides.
 */
async function judgeActivity(db: Db): Promise<{ table: string; stored: Row[]; expected: Row[] }> {
  const measures = ["calls", "cost_micros", "priced_calls", "unpriced_calls", "budget_skips"];
  const groups = new Map<number, Row>();
  const add = (at: number, sums: Record<string, number>) => {
    const bucket = Math.floor(at / 900_000) * 900_000;
    const row = groups.get(bucket) ?? { bucket, ...Object.fromEntries(measures.map((m) => [m, 0])) };
    for (const [m, v] of Object.entries(sums)) (row[m] as number) += v;
    groups.set(bucket, row);
  };
  for (const u of await db.selectFrom("usage_costs").select(["created_at", "cost_micros"]).where("kind", "=", "judge").execute()) {
    const priced = u.cost_micros !== null;
    add(u.created_at, { calls: 1, cost_micros: u.cost_micros ?? 0, priced_calls: priced ? 1 : 0, unpriced_calls: priced ? 0 : 1 });
  }
  const skipped = new Set((await db.selectFrom("runs").select("run_id").where("judge_outcome", "=", "judge_budget").execute()).map((r) => r.run_id));
  const first = new Map<string, number>();
  for (const e of await db.selectFrom("evaluations").select(["run_id", "created_at"]).where("status", "=", "judge_budget").execute()) {
    if (skipped.has(e.run_id)) first.set(e.run_id, Math.min(first.get(e.run_id) ?? Infinity, e.created_at));
  }
  for (const at of first.values()) add(at, { budget_skips: 1 });
  const nonZero = (rows: Row[]) => rows.filter((r) => measures.some((m) => Number(r[m]) !== 0));
  const stored = (await sql.raw<Row>(`select bucket, ${measures.join(", ")} from judge_activity_15m`).execute(db)).rows;
  return { table: "judge_activity_15m", stored: sorted(nonZero(stored)), expected: sorted(nonZero([...groups.values()])) };
}
